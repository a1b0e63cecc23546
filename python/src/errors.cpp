#include "errors.h"

#include <exception>

#include "core/error.h"

namespace py = pybind11;

namespace attnscope::python {
namespace {

// The exception classes, created once at import and owned by the module for the life of the
// interpreter (a translator outlives no module it refers to).
struct ErrorClasses {
  PyObject* error = nullptr;
  PyObject* input = nullptr;
  PyObject* limit = nullptr;
  PyObject* io = nullptr;
  PyObject* format = nullptr;
  PyObject* unsupported = nullptr;
  PyObject* shape = nullptr;
  PyObject* config = nullptr;
  PyObject* numeric = nullptr;
};
ErrorClasses classes;

PyObject* make_class(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  const std::string qualified = std::string("attnscope.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  return cls;  // the module holds a reference; this one is kept for the translator
}

}  // namespace

void register_errors(py::module_& m) {
  const py::module_ builtins = py::module_::import("builtins");
  auto base = [&](const char* builtin) {
    return py::make_tuple(py::handle(classes.error), builtins.attr(builtin));
  };
  classes.error =
      make_class(m, "Error", "Every error attnscope raises (the library's typed errors).",
                 py::make_tuple(builtins.attr("Exception")));
  classes.input =
      make_class(m, "InputError", "Invalid input: text, ids, options.", base("ValueError"));
  classes.limit = make_class(m, "LimitError",
                             "A request exceeds a budget (memory, sequence length, flow size).",
                             base("RuntimeError"));
  classes.io =
      make_class(m, "IoError", "A file could not be opened, read or written.", base("OSError"));
  classes.format =
      make_class(m, "FormatError", "A file's content breaks its format.", base("ValueError"));
  classes.unsupported =
      make_class(m, "UnsupportedError", "Valid input attnscope does not handle (yet).",
                 base("NotImplementedError"));
  classes.shape = make_class(m, "ShapeError", "A tensor is missing or has the wrong shape.",
                             base("ValueError"));
  classes.config = make_class(m, "ConfigError", "A config.json value is missing or invalid.",
                              base("ValueError"));
  classes.numeric = make_class(m, "NumericError", "Numbers stopped being finite (NaN/Inf).",
                               base("ArithmeticError"));

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(classes.input, e.what());
    } catch (const LimitError& e) {
      PyErr_SetString(classes.limit, e.what());
    } catch (const IoError& e) {
      PyErr_SetString(classes.io, e.what());
    } catch (const FormatError& e) {
      PyErr_SetString(classes.format, e.what());
    } catch (const UnsupportedError& e) {
      PyErr_SetString(classes.unsupported, e.what());
    } catch (const ShapeError& e) {
      PyErr_SetString(classes.shape, e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(classes.config, e.what());
    } catch (const NumericError& e) {
      PyErr_SetString(classes.numeric, e.what());
    } catch (const Error& e) {
      PyErr_SetString(classes.error, e.what());
    }
  });
}

}  // namespace attnscope::python
