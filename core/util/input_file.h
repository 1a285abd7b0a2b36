// SPDX-License-Identifier: MIT
// Reading the files a user points at. Every reader of a user-named file goes
// through here so that a directory, a FIFO, a device or a file larger than its
// kind allows is refused with the reason, before anything is read and without
// blocking: the file is opened with O_NONBLOCK and its type checked on the
// open descriptor, so a FIFO with no writer or /dev/zero never hangs a reader.
#pragma once

#include "core/util/status.h"

#include <cstdint>
#include <string>

namespace dash {

// The largest input accepted for one kind of file, and what the error calls it.
struct InputLimit {
    const char* what;  // "text file", "JSON file"
    uint64_t maxBytes; // larger regular files are refused
};

// Texts to tokenize (calibration, training, evaluation). Tokenizing 256 MiB
// takes minutes already; a larger file is almost surely the wrong one.
inline constexpr InputLimit kTextInput{"text file", uint64_t{256} << 20};
// JSON (policies, calibrations, traces, sweeps, exported runs, checkpoints).
// A parsed value takes about 100 bytes, so the limit bounds memory at a few
// GiB even for a file of one-digit numbers; a 1,000-token x 32-layer run
// exports to about 3 MB.
inline constexpr InputLimit kJsonInput{"JSON file", uint64_t{64} << 20};

// "a directory", "a FIFO (named pipe)", "a character device", ... for st_mode.
const char* fileTypeName(unsigned mode);

// An open, regular, readable file.
struct RegularFile {
    int fd = -1;
    uint64_t size = 0;
};

// Opens `path` read-only without blocking and checks that it is a regular
// file. The caller closes the descriptor. Errors name the path and the reason.
Expected<RegularFile> openRegularFile(const std::string& path);

// The whole contents of the regular file `path`, refused when larger than
// `limit` (also when it grows past it while being read).
Expected<std::string> readInputFile(const std::string& path, const InputLimit& limit);

} // namespace dash
