// SPDX-License-Identifier: MIT
// The child process of tst_run_store_crash. Modes:
//   writer <db> <tokens> <first-index>
//       saves makeRun(i, tokens) for i = first-index, first-index + 1, ...
//       until killed, printing "start <i>" before and "saved <i> <id>" after each.
//   fill <db> <tokens> <file-size-limit-bytes>
//       limits file sizes (RLIMIT_FSIZE, SIGXFSZ ignored) and saves one run,
//       printing "error: <message>" when the save fails (exit 0) or "saved"
//       when it unexpectedly succeeds (exit 3).
//   readonly <db>...
//       when running as root, first drops to uid/gid 65534 (exit 77 when it
//       cannot); then opens each database read-write and prints one line each:
//       "<db>: ok" or "<db>: error: <message>".
#include "run_store_fixture.h"

#include "core/store/run_store.h"

#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int writer(const std::string& db, int32_t tokens, uint64_t first) {
    auto store = dash::RunStore::open(db);
    if (!store.ok()) {
        std::printf("error: %s\n", store.error().message().c_str());
        return 2;
    }
    for (uint64_t i = first;; ++i) {
        const dash::RunRecord run = dash::test::makeRun(i, tokens, 32);
        std::printf("start %llu\n", static_cast<unsigned long long>(i));
        std::fflush(stdout);
        auto id = store->save(run);
        if (!id.ok()) {
            std::printf("error: %s\n", id.error().message().c_str());
            return 2;
        }
        std::printf("saved %llu %lld\n", static_cast<unsigned long long>(i),
                    static_cast<long long>(*id));
        std::fflush(stdout);
    }
}

int fill(const std::string& db, int32_t tokens, long long limit) {
    auto store = dash::RunStore::open(db);
    if (!store.ok()) {
        std::printf("open error: %s\n", store.error().message().c_str());
        return 2;
    }
    const dash::RunRecord run = dash::test::makeRun(1000, tokens, 32);
    signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
        std::perror("setrlimit");
        return 2;
    }
    auto id = store->save(run);
    if (id.ok()) {
        std::printf("saved\n");
        return 3;
    }
    std::printf("error: %s\n", id.error().message().c_str());
    // The connection stays usable for reading after the failed write.
    auto runs = store->list();
    std::printf("list after failure: %s\n",
                runs.ok() ? std::to_string(runs->size()).c_str() : runs.error().message().c_str());
    return 0;
}

int readonly(int count, char** paths) {
    if (geteuid() == 0) {
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
            std::perror("dropping privileges");
            return 77;
        }
    }
    for (int i = 0; i < count; ++i) {
        auto store = dash::RunStore::open(paths[i]);
        if (store.ok())
            std::printf("%s: ok\n", paths[i]);
        else
            std::printf("%s: error: %s\n", paths[i], store.error().message().c_str());
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "writer" && argc == 5)
        return writer(argv[2], std::atoi(argv[3]), std::strtoull(argv[4], nullptr, 10));
    if (mode == "fill" && argc == 5)
        return fill(argv[2], std::atoi(argv[3]), std::atoll(argv[4]));
    if (mode == "readonly" && argc >= 3)
        return readonly(argc - 2, argv + 2);
    std::fprintf(stderr, "usage: run_store_helper writer|fill|readonly ...\n");
    return 64;
}
