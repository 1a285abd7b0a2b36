// SPDX-License-Identifier: MIT
#include "core/util/output_file.h"

#include "core/util/input_file.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dash {

namespace {

// Symbolic links followed before giving up (the kernel's own limit is 40).
constexpr int kMaxLinkHops = 40;

std::string parentOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The descriptor N of "/dev/fd/N" or "/proc/self/fd/N", or -1.
int descriptorPath(const std::string& path) {
    for (std::string_view prefix :
         {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
        if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
            int fd = -1;
            const char* begin = path.data() + prefix.size();
            const char* end = path.data() + path.size();
            auto r = std::from_chars(begin, end, fd);
            if (r.ec == std::errc() && r.ptr == end && fd >= 0)
                return fd;
        }
    }
    return -1;
}

// Follows symbolic links from `path` to the file that a write would reach.
// `exists` tells whether that file exists; `st` holds its status then.
Expected<std::string> followLinks(const std::string& path, bool& exists, struct stat& st) {
    std::string p = path;
    for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
        if (::lstat(p.c_str(), &st) != 0) {
            if (errno == ENOENT) {
                exists = false;
                return p;
            }
            return ioError("cannot write '" + path + "': " + std::strerror(errno));
        }
        if (!S_ISLNK(st.st_mode)) {
            exists = true;
            return p;
        }
        std::string link(4096, '\0');
        const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
        if (n < 0)
            return ioError("cannot read the link '" + p + "': " + std::strerror(errno));
        link.resize(static_cast<size_t>(n));
        p = (!link.empty() && link[0] == '/') ? link : parentOf(p) + "/" + link;
    }
    return ioError("cannot write '" + path + "': too many levels of symbolic links");
}

std::atomic<unsigned> g_tempCounter{0};

} // namespace

bool isStreamPath(const std::string& path) {
    return path == "-" || path == "/dev/stdout" || path == "/dev/stderr" || path == "/dev/null" ||
           descriptorPath(path) >= 0;
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_target(std::move(other.m_target)),
      m_temp(std::move(other.m_temp)), m_fd(other.m_fd), m_stdout(other.m_stdout),
      m_ownsFd(other.m_ownsFd), m_failed(other.m_failed) {
    other.m_fd = -1;
    other.m_ownsFd = false;
    other.m_temp.clear();
}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
    if (this != &other) {
        discard();
        m_path = std::move(other.m_path);
        m_target = std::move(other.m_target);
        m_temp = std::move(other.m_temp);
        m_fd = other.m_fd;
        m_stdout = other.m_stdout;
        m_ownsFd = other.m_ownsFd;
        m_failed = other.m_failed;
        other.m_fd = -1;
        other.m_ownsFd = false;
        other.m_temp.clear();
    }
    return *this;
}

OutputFile::~OutputFile() {
    discard();
}

void OutputFile::discard() {
    if (m_ownsFd && m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_ownsFd = false;
    if (!m_temp.empty())
        ::unlink(m_temp.c_str());
    m_temp.clear();
}

Expected<OutputFile> OutputFile::create(const std::string& path) {
    if (path.empty())
        return invalidError("an empty output file name");
    OutputFile out;
    out.m_path = path;
    if (path == "-" || path == "/dev/stdout" || descriptorPath(path) == 1) {
        out.m_stdout = true;
        return out;
    }
    if (path == "/dev/stderr" || descriptorPath(path) == 2) {
        std::fflush(stderr);
        out.m_fd = 2;
        return out;
    }
    if (const int fd = descriptorPath(path); fd >= 0) {
        if (::fcntl(fd, F_GETFD) < 0)
            return invalidError("cannot write '" + path + "': descriptor " + std::to_string(fd) +
                                " is not open");
        out.m_fd = fd;
        return out;
    }
    if (path == "/dev/null") {
        out.m_fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (out.m_fd < 0)
            return ioError("cannot open '" + path + "': " + std::strerror(errno));
        out.m_ownsFd = true;
        return out;
    }

    bool exists = false;
    struct stat st {};
    DASH_ASSIGN_OR_RETURN(out.m_target, followLinks(path, exists, st));
    const std::string shown =
        out.m_target == path ? "'" + path + "'" : "'" + path + "' (-> '" + out.m_target + "')";
    if (exists && !S_ISREG(st.st_mode))
        return invalidError("refusing to write " + shown + ": it is " + fileTypeName(st.st_mode) +
                            ", not a regular file (give - for standard output)");

    // The temporary file sits beside the target so that rename() replaces it
    // in one step on the same file system. Hidden, and named after the
    // target (shortened so the name stays under NAME_MAX).
    const std::string dir = parentOf(out.m_target);
    std::string base = baseOf(out.m_target);
    if (base.size() > 128)
        base.resize(128);
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::string temp = dir + "/." + base + ".tmp-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(g_tempCounter.fetch_add(1));
        const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return ioError("cannot write " + shown + ": cannot create a file in '" + dir +
                           "': " + std::strerror(errno));
        out.m_fd = fd;
        out.m_ownsFd = true;
        out.m_temp = temp;
        if (exists) {
            // Keep the replaced file's permissions (and owner, where allowed).
            if (::fchmod(fd, st.st_mode & 07777) != 0) {
                // Not fatal: the new file keeps the umask's permissions.
            }
            if (::fchown(fd, st.st_uid, st.st_gid) != 0) {
                // Only the owner or root may hand a file to its owner.
            }
        }
        return out;
    }
    return ioError("cannot write " + shown + ": no free temporary name in '" + dir + "'");
}

Status OutputFile::write(std::string_view bytes) {
    if (m_failed)
        return ioError("cannot write '" + m_path + "': an earlier write failed");
    if (m_stdout)
        return writeStandardOutput(bytes);
    if (m_fd < 0)
        return internalError("writing '" + m_path + "' after it was committed");
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            m_failed = true;
            return ioError("cannot write '" + m_path + "': " + std::strerror(errno));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    return {};
}

Status OutputFile::commit() {
    if (m_failed)
        return ioError("cannot write '" + m_path + "': an earlier write failed");
    if (m_stdout) {
        m_stdout = false;
        return writeStandardOutput({});
    }
    if (m_temp.empty()) {
        // A stream: nothing to rename; close what was opened here.
        if (m_ownsFd && ::close(m_fd) != 0) {
            m_fd = -1;
            m_ownsFd = false;
            return ioError("cannot write '" + m_path + "': " + std::strerror(errno));
        }
        m_fd = -1;
        m_ownsFd = false;
        return {};
    }
    // fsync reports the write-back errors (EIO, ENOSPC on some file systems)
    // that write() could not know yet; close can report them too.
    if (::fsync(m_fd) != 0) {
        const int err = errno;
        discard();
        return ioError("cannot write '" + m_path + "': " + std::strerror(err));
    }
    const int fd = m_fd;
    m_fd = -1;
    m_ownsFd = false;
    if (::close(fd) != 0) {
        const int err = errno;
        discard();
        return ioError("cannot write '" + m_path + "': " + std::strerror(err));
    }
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0) {
        const int err = errno;
        discard();
        return ioError("cannot replace '" + m_target + "': " + std::strerror(err));
    }
    m_temp.clear();
    // The rename is durable once the folder is synced; a failure here does
    // not lose the file, so it is not reported.
    const int dirFd = ::open(parentOf(m_target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return {};
}

Status checkOutputTarget(const std::string& path) {
    if (path.empty())
        return invalidError("an empty output file name");
    if (isStreamPath(path)) {
        const int fd = descriptorPath(path);
        if (fd > 2 && ::fcntl(fd, F_GETFD) < 0)
            return invalidError("cannot write '" + path + "': descriptor " + std::to_string(fd) +
                                " is not open");
        return {};
    }
    bool exists = false;
    struct stat st {};
    DASH_ASSIGN_OR_RETURN(std::string target, followLinks(path, exists, st));
    const std::string shown =
        target == path ? "'" + path + "'" : "'" + path + "' (-> '" + target + "')";
    if (exists && !S_ISREG(st.st_mode))
        return invalidError("refusing to write " + shown + ": it is " + fileTypeName(st.st_mode) +
                            ", not a regular file (give - for standard output)");
    const std::string dir = parentOf(target);
    if (::access(dir.c_str(), W_OK) != 0)
        return ioError("cannot write " + shown + ": cannot create a file in '" + dir +
                       "': " + std::strerror(errno));
    return {};
}

Status writeOutputFile(const std::string& path, std::string_view contents) {
    DASH_ASSIGN_OR_RETURN(OutputFile out, OutputFile::create(path));
    DASH_TRY(out.write(contents));
    return out.commit();
}

Status writeStandardOutput(std::string_view bytes) {
    errno = 0;
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
        const int err = errno;
        return ioError(std::string("cannot write standard output: ") +
                       (err ? std::strerror(err) : "write failed"));
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        const int err = errno;
        return ioError(std::string("cannot write standard output: ") +
                       (err ? std::strerror(err) : "an earlier write failed"));
    }
    return {};
}

} // namespace dash
