// SPDX-License-Identifier: MIT
// Writing the files a user names as outputs. Every writer of a user-named
// output goes through here:
//  - a regular file (or a new one) is written to a temporary file in the same
//    folder and renamed over the target only when every byte reached the disk
//    (each write, fsync and close checked), so a failure (a full disk, EIO)
//    leaves the earlier file exactly as it was and says which path failed;
//  - a symbolic link is written through: its final target is replaced, the
//    link stays;
//  - a stream the user asked for by name ("-" or /dev/stdout for standard
//    output, /dev/stderr, /dev/null, /dev/fd/N, /proc/self/fd/N) is written
//    in place, every write checked;
//  - anything else that is not a regular file (a directory, a FIFO, a device
//    such as /dev/full) is refused with the reason, and left untouched.
#pragma once

#include "core/util/status.h"

#include <memory>
#include <string>
#include <string_view>

namespace dash {

class OutputFile {
public:
    // Checks the target and opens where the bytes go. Nothing visible changes
    // at the target until commit().
    static Expected<OutputFile> create(const std::string& path);

    OutputFile(OutputFile&& other) noexcept;
    OutputFile& operator=(OutputFile&& other) noexcept;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    // Removes the temporary file unless committed.
    ~OutputFile();

    Status write(std::string_view bytes);
    // Flushes, syncs and closes; renames the temporary file over the target.
    Status commit();

    // The path as the user gave it.
    const std::string& path() const { return m_path; }

private:
    OutputFile() = default;
    void discard();

    std::string m_path;   // as given
    std::string m_target; // after following symbolic links
    std::string m_temp;   // empty when streaming
    int m_fd = -1;
    bool m_stdout = false; // through the C stdio stream, to keep its order
    bool m_ownsFd = false;
    bool m_failed = false;
};

// OutputFile::create, write and commit in one call.
Status writeOutputFile(const std::string& path, std::string_view contents);

// Writes to the process's standard output (stdio's stdout) and checks it,
// flushing so that a full or closed output is noticed now.
Status writeStandardOutput(std::string_view bytes);

// The checks of OutputFile::create without creating anything: for commands
// that work for minutes before they write, so that a bad output path is
// reported before the work.
Status checkOutputTarget(const std::string& path);

// Whether `path` names a stream rather than a file (see above).
bool isStreamPath(const std::string& path);

} // namespace dash
