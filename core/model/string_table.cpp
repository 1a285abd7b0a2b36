// SPDX-License-Identifier: MIT
#include "core/model/string_table.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace dash {

namespace {

constexpr uint64_t kEmpty = ~0ull;

// Smallest power of two >= count * 3 / 2 (load factor <= 2/3), at least 16.
uint64_t tableSize(size_t count) {
    return std::bit_ceil(std::max<uint64_t>(16, static_cast<uint64_t>(count) * 3 / 2 + 1));
}

// memcmp(a, b, n) == 0 without a library call for the short strings of a
// vocabulary.
inline bool equalBytes(const char* a, const char* b, size_t n) {
    while (n >= 8) {
        uint64_t x, y;
        std::memcpy(&x, a, 8);
        std::memcpy(&y, b, 8);
        if (x != y)
            return false;
        a += 8;
        b += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i])
            return false;
    return true;
}

} // namespace

StringList::StringList(std::initializer_list<std::string_view> strings) {
    for (const std::string_view s : strings)
        push_back(s);
}

void StringList::reserve(size_t count, size_t bytes) {
    m_offsets.reserve(count + 1);
    m_bytes.reserve(bytes);
}

void StringList::push_back(std::string_view s) {
    m_bytes.append(s);
    m_offsets.push_back(m_bytes.size());
}

void StringList::pop_back() {
    if (empty())
        return;
    m_offsets.pop_back();
    m_bytes.resize(m_offsets.back());
}

void StringList::clear() {
    m_bytes.clear();
    m_offsets.assign(1, 0);
}

uint64_t mix64(uint64_t x) {
    // The finaliser of MurmurHash3 (public domain constants).
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

uint64_t StringHasher::finish() const {
    return mix64(state);
}

StringIndex::StringIndex(const StringList& list) {
    build(list, [](size_t) { return true; });
}

void StringIndex::allocate(size_t count) {
    const uint64_t size = tableSize(count);
    m_slots.assign(size, Slot{0, 0, 0, 0});
    m_mask = size - 1;
    m_count = 0;
}

// In batches: hash and prefetch the first slots, then insert.
void StringIndex::insertMany(const std::vector<int32_t>& ids) {
    constexpr size_t kBatch = 16;
    uint64_t hashes[kBatch];
    for (size_t base = 0; base < ids.size(); base += kBatch) {
        const size_t n = std::min(kBatch, ids.size() - base);
        for (size_t i = 0; i < n; ++i) {
            StringHasher h;
            h.feed((*m_list)[static_cast<size_t>(ids[base + i])]);
            hashes[i] = h.finish();
            __builtin_prefetch(&m_slots[hashes[i] & m_mask], 1);
        }
        for (size_t i = 0; i < n; ++i)
            insert(ids[base + i], hashes[i]);
    }
}

void StringIndex::insert(int32_t id, uint64_t hash) {
    const std::string_view s = (*m_list)[static_cast<size_t>(id)];
    const auto tag = static_cast<uint32_t>(hash >> 32);
    const char* bytes = m_list->data();
    for (uint64_t i = hash & m_mask;; i = (i + 1) & m_mask) {
        Slot& slot = m_slots[i];
        if (slot.id1 == 0) {
            slot = {tag, static_cast<uint32_t>(id) + 1,
                    static_cast<uint32_t>(m_list->offset(static_cast<size_t>(id))),
                    static_cast<uint32_t>(s.size())};
            ++m_count;
            return;
        }
        if (slot.tag == tag && slot.length == s.size() &&
            std::memcmp(bytes + slot.offset, s.data(), s.size()) == 0)
            return; // a duplicate: the first id stays
    }
}

int32_t StringIndex::lookup(uint64_t hash, std::string_view left, std::string_view right) const {
    if (m_slots.empty())
        return -1;
    const auto tag = static_cast<uint32_t>(hash >> 32);
    const size_t length = left.size() + right.size();
    const char* bytes = m_list->data();
    for (uint64_t i = hash & m_mask;; i = (i + 1) & m_mask) {
        const Slot& slot = m_slots[i];
        if (slot.id1 == 0)
            return -1;
        if (slot.tag != tag || slot.length != length)
            continue;
        const char* text = bytes + slot.offset;
        if (equalBytes(text, left.data(), left.size()) &&
            equalBytes(text + left.size(), right.data(), right.size()))
            return static_cast<int32_t>(slot.id1 - 1);
    }
}

int32_t StringIndex::find(std::string_view s) const {
    StringHasher h;
    h.feed(s);
    return lookup(h.finish(), s, {});
}

int32_t StringIndex::findConcat(std::string_view left, std::string_view right) const {
    StringHasher h;
    h.feed(left);
    h.feed(right);
    return lookup(h.finish(), left, right);
}

// Three passes over a small batch: hash and prefetch each first slot; read
// the slot and prefetch the text it points to; then the ordinary lookup,
// which by now mostly hits the cache. The batch hides the latency of the
// misses behind each other.
void StringIndex::findMany(const StringQuery* queries, int32_t* ids, size_t count) const {
    constexpr size_t kBatch = 32;
    uint64_t hashes[kBatch];
    const char* bytes = m_list ? m_list->data() : nullptr;
    for (size_t base = 0; base < count; base += kBatch) {
        const size_t n = std::min(kBatch, count - base);
        for (size_t i = 0; i < n; ++i) {
            StringHasher h;
            h.feed(queries[base + i].left);
            h.feed(queries[base + i].right);
            hashes[i] = h.finish();
            if (!m_slots.empty())
                __builtin_prefetch(&m_slots[hashes[i] & m_mask]);
        }
        if (!m_slots.empty())
            for (size_t i = 0; i < n; ++i) {
                const Slot& slot = m_slots[hashes[i] & m_mask];
                if (slot.id1 != 0)
                    __builtin_prefetch(bytes + slot.offset);
            }
        for (size_t i = 0; i < n; ++i)
            ids[base + i] = lookup(hashes[i], queries[base + i].left, queries[base + i].right);
    }
}

void U64Set::reserve(size_t count) {
    const uint64_t size = tableSize(count);
    if (size <= m_slots.size())
        return;
    std::vector<uint64_t> old = std::move(m_slots);
    m_slots.assign(size, kEmpty);
    m_mask = size - 1;
    m_count = 0;
    for (const uint64_t key : old)
        if (key != kEmpty)
            insert(key);
}

void U64Set::insert(uint64_t key) {
    if (key == kEmpty)
        return;
    if ((m_count + 1) * 3 > m_slots.size() * 2)
        reserve(std::max<size_t>(16, m_count * 2));
    for (uint64_t i = mix64(key) & m_mask;; i = (i + 1) & m_mask) {
        if (m_slots[i] == key)
            return;
        if (m_slots[i] == kEmpty) {
            m_slots[i] = key;
            ++m_count;
            return;
        }
    }
}

bool U64Set::contains(uint64_t key) const {
    if (m_slots.empty() || key == kEmpty)
        return false;
    for (uint64_t i = mix64(key) & m_mask;; i = (i + 1) & m_mask) {
        if (m_slots[i] == key)
            return true;
        if (m_slots[i] == kEmpty)
            return false;
    }
}

} // namespace dash
