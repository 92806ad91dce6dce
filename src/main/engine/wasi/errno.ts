/** WASI preview 1 errno values used by this implementation (wasi_snapshot_preview1 witx). */
export const Errno = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  NOSYS: 52,
  NOTDIR: 54,
  NOTSUP: 58,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const

export const Filetype = { CHARACTER_DEVICE: 2 } as const

export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const

export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const

/** Subscription flag: the clock timeout is an absolute time, not relative to now. */
export const SUBCLOCKFLAG_ABSTIME = 1

/** Every function of wasi_snapshot_preview1, so a guest importing any of them instantiates. */
export const PREVIEW1_FUNCTIONS = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'random_get',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
] as const

export type Preview1Function = (typeof PREVIEW1_FUNCTIONS)[number]
