"""A seccomp filter for bubblewrap (`bwrap --seccomp FD`) that makes memfd_create fail.

memfd_create gives a process files that live in RAM, and RLIMIT_AS does not count them: with
256 open files of up to 256 MB each (the file limits), a submission could hold 64 GB this way.
NumPy and a student's network never need it. Everything else is allowed. The filter is a classic
BPF program, as the kernel reads it (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k).
"""

from __future__ import annotations

import errno
import os
import struct

LOAD, AND, JUMP_IF_EQUAL, RETURN = 0x20, 0x54, 0x15, 0x06  # BPF_LD|W|ABS, ALU|AND|K, JEQ|K, RET|K
ARCH_OFFSET, NUMBER_OFFSET = 4, 0  # in struct seccomp_data
ALLOW, DENY = 0x7FFF0000, 0x00050000 | errno.EPERM  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO
X86_64, AARCH64 = 0xC000003E, 0xC00000B7  # AUDIT_ARCH_*
X32_BIT = 0x40000000  # x86_64's x32 calls carry this bit: clear it, so they are caught too
MEMFD_CREATE = {X86_64: 319, AARCH64: 279}


def instruction(code: int, k: int, jump_if_true: int = 0, jump_if_false: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jump_if_true, jump_if_false, k)


def program() -> bytes:
    """Deny memfd_create on x86_64 and aarch64; allow every other call (and other machines)."""
    return b"".join([
        instruction(LOAD, ARCH_OFFSET),                                   # 0
        instruction(JUMP_IF_EQUAL, X86_64, 0, 3),                         # 1: else to 5
        instruction(LOAD, NUMBER_OFFSET),                                 # 2
        instruction(AND, 0xFFFFFFFF ^ X32_BIT),                           # 3
        instruction(JUMP_IF_EQUAL, MEMFD_CREATE[X86_64], 4, 3),           # 4: to 9 / 8
        instruction(JUMP_IF_EQUAL, AARCH64, 0, 2),                        # 5: else to 8
        instruction(LOAD, NUMBER_OFFSET),                                 # 6
        instruction(JUMP_IF_EQUAL, MEMFD_CREATE[AARCH64], 1, 0),          # 7: to 9 / 8
        instruction(RETURN, ALLOW),                                       # 8
        instruction(RETURN, DENY),                                        # 9
    ])


def program_fd() -> int:
    """A pipe's read end holding the program, to pass to bwrap as --seccomp FD (close it after
    starting bwrap). The program is far smaller than a pipe's buffer, so writing cannot block."""
    read_end, write_end = os.pipe()
    os.write(write_end, program())
    os.close(write_end)
    return read_end
