/**
 * The functions of import module `parigot` in a fixed order, and whether each answers with a
 * message. The index is what crosses the worker channel, so new syscalls are appended, never
 * inserted. This list needs no protobuf: the guest worker forwards syscalls by it without
 * loading protobuf-es or the syscall descriptors; the kernel's table (syscall-table.ts), which
 * decodes them, must follow it, and checks that it does when it loads.
 */
export const SYSCALL_ABI: readonly { readonly name: string; readonly answers: boolean }[] = [
  { name: 'register_', answers: true },
  { name: 'export_', answers: false },
  { name: 'require_', answers: false },
  { name: 'bind_method_', answers: true },
  { name: 'launch_', answers: false },
  { name: 'locate_', answers: true },
  { name: 'dispatch_', answers: true },
  { name: 'return_value_', answers: false },
  { name: 'read_one_', answers: true },
  { name: 'exit_', answers: true },
  { name: 'synchronous_exit_', answers: true },
  { name: 'block_until_call_', answers: true },
]

/**
 * The KernelErr codes (syscall.proto) a guest's worker answers with by itself. Spelled out, not
 * imported from the generated module: that import would load protobuf-es and its well-known
 * types into every worker at start-up. test/kernel/syscall-table.test.ts pins them to KernelErr.
 */
export const WORKER_KERNEL_ERR = {
  NoError: 0,
  DataTooLarge: 6,
  GuestReadFailed: 24,
  GuestWriteFailed: 25,
} as const
