// SPDX-License-Identifier: MIT
// Flat storage and lookup for the strings of a vocabulary: a 150k-token
// vocabulary is one byte buffer plus an offset per string (no allocation per
// token), and a string -> id index is one open-addressing table of 64-bit
// slots (no node per entry). Built once per tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dash {

// Strings stored back to back: string i is bytes [offset[i], offset[i + 1]).
class StringList {
public:
    StringList() = default;
    StringList(std::initializer_list<std::string_view> strings);

    void reserve(size_t count, size_t bytes);
    void push_back(std::string_view s);
    void pop_back();
    void clear();

    size_t size() const { return m_offsets.size() - 1; }
    bool empty() const { return size() == 0; }
    size_t byteSize() const { return m_bytes.size(); }
    std::string_view operator[](size_t i) const {
        return std::string_view(m_bytes).substr(m_offsets[i], m_offsets[i + 1] - m_offsets[i]);
    }
    std::string_view back() const { return (*this)[size() - 1]; }
    const char* data() const { return m_bytes.data(); }
    size_t offset(size_t i) const { return m_offsets[i]; }

private:
    std::string m_bytes;
    std::vector<size_t> m_offsets{0};
};

// The hash every table here uses: FNV-1a over the bytes, which can be fed in
// pieces (a concatenation hashes without being built), then a 64-bit mix so
// that the low bits used as the slot index are well spread.
struct StringHasher {
    uint64_t state = 0xcbf29ce484222325ull;
    void feed(std::string_view s) {
        for (const char c : s)
            state = (state ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    }
    uint64_t finish() const;
};

uint64_t mix64(uint64_t x);

// A string to look up, given as the concatenation left + right (right may be
// empty), so that a merge's result is found without building it.
struct StringQuery {
    std::string_view left;
    std::string_view right;
};

// string -> id over (a chosen subset of) a StringList, which must outlive the
// index and not change, and hold less than 4 GiB of text. Where a string
// occurs more than once, the first id added wins. A slot keeps the string's
// offset and length beside the id, so that a lookup reads the table and the
// text only; findMany looks up many strings at once with prefetches, which is
// what makes building a 150k-token tokenizer fast (its lookups miss the cache).
class StringIndex {
public:
    StringIndex() = default;
    // Indexes every string of `list`.
    explicit StringIndex(const StringList& list);
    // Indexes the ids for which include(id) is true.
    template <class Include>
    StringIndex(const StringList& list, Include&& include) {
        build(list, [&](size_t i) { return include(static_cast<int32_t>(i)); });
    }

    // Id of `s`, or -1.
    int32_t find(std::string_view s) const;
    // Id of the concatenation left + right, or -1 (without building it).
    int32_t findConcat(std::string_view left, std::string_view right) const;
    // ids[i] = findConcat(queries[i].left, queries[i].right) for every i.
    void findMany(const StringQuery* queries, int32_t* ids, size_t count) const;
    size_t size() const { return m_count; }

private:
    template <class Include>
    void build(const StringList& list, Include&& include) {
        m_list = &list;
        allocate(list.size());
        std::vector<int32_t> ids;
        ids.reserve(list.size());
        for (size_t i = 0; i < list.size(); ++i)
            if (include(i))
                ids.push_back(static_cast<int32_t>(i));
        insertMany(ids);
    }
    struct Slot {
        uint32_t tag; // high 32 bits of the hash
        uint32_t id1; // id + 1; 0 marks an empty slot
        uint32_t offset;
        uint32_t length;
    };
    void allocate(size_t count);
    void insertMany(const std::vector<int32_t>& ids);
    void insert(int32_t id, uint64_t hash);
    int32_t lookup(uint64_t hash, std::string_view left, std::string_view right) const;

    const StringList* m_list = nullptr;
    std::vector<Slot> m_slots;
    uint64_t m_mask = 0;
    size_t m_count = 0;
};

// A set of 64-bit keys (open addressing; the key ~0 cannot be stored).
class U64Set {
public:
    void reserve(size_t count);
    void insert(uint64_t key);
    bool contains(uint64_t key) const;

private:
    std::vector<uint64_t> m_slots;
    uint64_t m_mask = 0;
    size_t m_count = 0;
};

} // namespace dash
