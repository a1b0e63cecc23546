// Spreads the forward pass's element loops (softmax rows, activations, norms, bias rows) over
// the cores that BLAS uses, so they do not run on one core while the other waits. BLAS threads
// itself; everything between two GEMMs used to be single-threaded. The workers sleep on a
// condition variable between loops (OpenBLAS's own idle threads spin and yield, so the two
// share the cores without fighting), and the calling thread always takes a share of the work.
// The number of threads follows the BLAS thread count (ops::set_blas_threads).
//
//   // rows [begin, end) of y, in chunks of at least 16 rows
//   ops::parallel_for(rows, 16, [&](int64_t begin, int64_t end) { normalise(y, begin, end); });
#pragma once

#include <cstdint>
#include <functional>

namespace attnscope::ops {

// Calls body(begin, end) on disjoint ranges covering [0, count), each at least `grain` items
// long (except the last), on up to parallel_threads() threads, and returns when all are done.
// Runs inline when count <= grain, with one thread, or when the workers are busy with another
// caller's loop (concurrent forward passes stay correct, just not parallel). body must not throw.
void parallel_for(int64_t count, int64_t grain,
                  const std::function<void(int64_t begin, int64_t end)>& body);

// Threads a parallel_for uses: the BLAS thread count (at least 1), unless set_parallel_threads
// chose a number (0 returns to following BLAS). Benchmarks compare 1 with the default.
int parallel_threads();
void set_parallel_threads(int threads);

}  // namespace attnscope::ops
