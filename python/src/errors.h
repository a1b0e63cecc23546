// attnscope's typed errors (core/error.h) as Python exceptions: attnscope.Error and one subclass
// per kind, each also deriving from the matching built-in (InputError is a ValueError, IoError an
// OSError, ...), so `except ValueError` catches bad input. The message is the library's, as the
// CLI prints it.
#pragma once

#include <pybind11/pybind11.h>

namespace attnscope::python {

// Adds Error, InputError, LimitError, IoError, FormatError, UnsupportedError, ShapeError,
// ConfigError and NumericError to `m` and registers the C++ -> Python translation.
void register_errors(pybind11::module_& m);

}  // namespace attnscope::python
