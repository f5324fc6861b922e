#!/usr/bin/env python3
"""Lines per function body in the Swift sources (issue 27: no function over about 80 lines
outside the numeric kernels).

    scripts/function-lengths.py [--max N] [--top K] [PATH ...]

Counts, for every `func`, `init`, `deinit` and `subscript` with a body, the lines from its
declaration to its closing brace (both included), by brace matching that skips comments and
string literals (with their interpolations). Prints the longest K, then every one over N
(default 80) that is not a known numeric kernel, and exits 1 when there is one. The kernels
(KERNELS below) are listed apart with why they stay long. PATH defaults to Sources/.
"""
import os
import re
import sys

# Numeric kernels left long on purpose: (file suffix, function name) -> why.
KERNELS = {
    ("Sources/GeoCore/SpanKernel.swift", "accumulateSpan"):
        "the per-cell span kernel (inlined into every pixel type's specialisation): one cell, the "
        "vectorised exact integer pass, the two float passes, weights and histogram over one run of "
        "cells; kept whole as the numeric kernels are",
}

KEYWORDS = ("func", "init", "deinit", "subscript")
STRING_START = re.compile(r'(#*)("""|")')


def code_chars(text):
    """Yield (index, char) of code only: comments and string contents are skipped (an
    interpolation's code is yielded)."""
    i, n = 0, len(text)
    # Stack of contexts: ('code', paren depth for an interpolation or None) or ('string', hashes, multiline)
    stack = [("code", None)]
    while i < n:
        ctx = stack[-1]
        c = text[i]
        if ctx[0] == "code":
            if text.startswith("//", i):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if text.startswith("/*", i):
                depth, i = 1, i + 2
                while i < n and depth:
                    if text.startswith("/*", i):
                        depth, i = depth + 1, i + 2
                    elif text.startswith("*/", i):
                        depth, i = depth - 1, i + 2
                    else:
                        i += 1
                continue
            m = STRING_START.match(text, i) if c in '"#' else None
            if m:
                stack.append(("string", len(m.group(1)), m.group(2) == '"""'))
                i = m.end()
                continue
            if c == "(" and ctx[1] is not None:
                stack[-1] = ("code", ctx[1] + 1)
            elif c == ")" and ctx[1] is not None:
                if ctx[1] == 0:
                    stack.pop()  # end of an interpolation: back in the string
                    i += 1
                    continue
                stack[-1] = ("code", ctx[1] - 1)
            yield i, c
            i += 1
        else:
            _, hashes, multi = ctx
            close = ('"""' if multi else '"') + "#" * hashes
            if text.startswith("\\" + "#" * hashes + "(", i):
                stack.append(("code", 0))
                i += 2 + hashes
                continue
            if text.startswith("\\" + "#" * hashes, i) and hashes == 0:
                i += 2  # an escaped character
                continue
            if text.startswith(close, i):
                stack.pop()
                i += len(close)
                continue
            i += 1


def functions(path):
    """(name, first line, last line) of each function with a body in `path`."""
    text = open(path, encoding="utf-8").read()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(idx):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= idx:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    chars = list(code_chars(text))
    code = {i: c for i, c in chars}
    out = []
    brace_stack = []  # for each open brace: the function it opens, or None
    pending = None    # a declaration seen, waiting for its body: (name, line, paren depth)
    parens = 0
    k = 0
    while k < len(chars):
        i, c = chars[k]
        if c.isalpha() or c == "_":
            j = k
            word = ""
            while j < len(chars) and chars[j][0] == i + (j - k) and (chars[j][1].isalnum() or chars[j][1] == "_"):
                word += chars[j][1]
                j += 1
            prev = text[i - 1] if i > 0 else " "
            if word in KEYWORDS and not (prev.isalnum() or prev in "_.`"):
                name = word
                if word == "func":
                    m = re.compile(r"\s+(`?[^\s(<`]+`?)").match(text, i + 4)
                    name = m.group(1) if m else "func"
                pending = (name, line_of(i), parens)
            elif pending and word in ("var", "let", "case") and parens == pending[2]:
                pending = None  # a requirement without a body
            k = j
            continue
        if c == "(":
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{":
            if pending and parens == pending[2]:
                brace_stack.append(pending)
                pending = None
            else:
                brace_stack.append(None)
        elif c == "}":
            if pending and parens == pending[2]:
                pending = None  # the enclosing scope closed: the declaration had no body
            if brace_stack:
                f = brace_stack.pop()
                if f:
                    out.append((f[0], f[1], line_of(i)))
        k += 1
    return out


def main():
    args = sys.argv[1:]
    limit, top = 80, 10
    if "--max" in args:
        k = args.index("--max"); limit = int(args[k + 1]); del args[k:k + 2]
    if "--top" in args:
        k = args.index("--top"); top = int(args[k + 1]); del args[k:k + 2]
    roots = args or ["Sources"]
    rows = []
    for root in roots:
        paths = [root] if root.endswith(".swift") else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".swift"))
        for p in paths:
            for name, first, last in functions(p):
                rows.append((last - first + 1, p, first, name))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    print(f"longest {top}:")
    for n, p, line, name in rows[:top]:
        print(f"  {n:4d}  {p}:{line}  {name}")
    long = [r for r in rows if r[0] > limit]
    kernels = [r for r in long if any(r[1].endswith(f) and r[3] == fn for f, fn in KERNELS)]
    others = [r for r in long if r not in kernels]
    if kernels:
        print(f"over {limit}, numeric kernels kept long:")
        for n, p, line, name in kernels:
            why = next(w for (f, fn), w in KERNELS.items() if p.endswith(f) and name == fn)
            print(f"  {n:4d}  {p}:{line}  {name}: {why}")
    print(f"over {limit}, others: {len(others)}")
    for n, p, line, name in others:
        print(f"  {n:4d}  {p}:{line}  {name}")
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main())
