// SPDX-License-Identifier: MIT
// Encodes texts with the reference byte-level BPE of the npm package
// @huggingface/tokenizers (Tokenizers.js). Used only by
// make_tokenizer_fixtures.py when fixtures are regenerated, which copies it
// next to the package it installs; the build and the tests never run it.
//
//   node hf_tokenize.mjs < request.json > reply.json
//
// request: {"tokenizer": <tokenizer.json>, "config": <tokenizer_config.json>,
//           "texts": ["...", ...]}
// reply:   {"ids": [[...], ...]}  (special tokens added as the tokenizer's
//           post-processor says)
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const request = JSON.parse(readFileSync(0, "utf8"));
const tokenizer = new Tokenizer(request.tokenizer, request.config ?? {});
const ids = request.texts.map((text) => tokenizer.encode(text).ids);
process.stdout.write(JSON.stringify({ ids }) + "\n");
