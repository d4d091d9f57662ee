// Programmatic dependent launch (sm_90): a kernel may be launched while the one before it on the stream is still
// running, so that it can do what does not depend on it (request its weights, which no kernel writes) before it
// waits. Order only, no arithmetic: which instruction waits where never changes a value. Launched without the
// programmatic attribute, both are no-ops (the kernel starts after the one before it has finished).
#pragma once

namespace inv {

// Waits until every kernel this one depends on has finished and its writes are visible. Nothing the step writes
// (activations, the KV cache, logits) may be read or written before it.
__device__ __forceinline__ void await_inputs() { asm volatile("griddepcontrol.wait;" ::: "memory"); }

// Lets the next kernel on the stream start as soon as every block of this one has said so or has exited.
__device__ __forceinline__ void release_next() { asm volatile("griddepcontrol.launch_dependents;" ::: "memory"); }

}  // namespace inv
