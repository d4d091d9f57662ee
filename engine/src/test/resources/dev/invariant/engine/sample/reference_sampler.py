"""Second implementation of docs/sampling.md and of the exp in docs/numerics.md (section 5), written from
the documents alone, for known-answer vectors.

float32 arithmetic uses numpy scalars (one rounding per operation); fma is computed exactly with
fractions and rounded once to float32. Run `python3 reference_sampler.py` in this folder to rewrite the
two vector files that SamplerVectorsTest reads (sampler-vectors.txt, exp-vectors.txt).
"""
import random
import struct
from fractions import Fraction

import numpy as np

F = np.float32


def bits(x):
    return struct.unpack(">I", struct.pack(">f", float(x)))[0]


def hexf(h):
    return F(float.fromhex(h))


def round_f32(q):
    """Fraction -> nearest float32, ties to even (checks the neighbours of the double-rounded guess)."""
    if q == 0:
        return F(0.0)
    guess = F(float(q))
    best = None
    for c in (guess, np.nextafter(guess, F(np.inf)), np.nextafter(guess, F(-np.inf))):
        if not np.isfinite(c):
            continue
        err = abs(Fraction(float(c)) - q)
        if best is None or err < best[0] or (err == best[0] and bits(c) % 2 == 0):
            best = (err, c)
    return best[1]


def fma(a, b, c):
    return round_f32(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


# The contract's exp (docs/numerics.md, section 5), shared by the forward pass and the sampler.
LOG2E, LN2_HI, LN2_LO = hexf("0x1.715476p+0"), hexf("0x1.62e4p-1"), hexf("0x1.7f7d1cp-20")
C = [F(1), F(1)] + [hexf(h) for h in
                    ("0x1.0p-1", "0x1.555556p-3", "0x1.555556p-5", "0x1.111112p-7", "0x1.6c16c2p-10", "0x1.a01a02p-13")]
MAX_INPUT, MIN_INPUT = hexf("0x1.62e42ep+6"), F(-104)


def pow2(e):
    return F(2.0 ** e)


def exp(x):
    if np.isnan(x):
        return x
    if x > MAX_INPUT:
        return F(np.inf)
    if x < MIN_INPUT:
        return F(0)
    k = F(round(float(F(x * LOG2E))))  # Python's round() is half to even
    r = fma(k, -LN2_HI, x)
    r = fma(k, -LN2_LO, r)
    p = C[7]
    for i in range(6, -1, -1):
        p = fma(p, r, C[i])
    k = int(k)
    if k > 127:
        return F(F(p * F(2)) * pow2(127))
    if k < -126:
        return F(F(p * pow2(k + 64)) * pow2(-64))
    return F(p * pow2(k))


def philox(c, k):
    M0, M1, W0, W1, mask = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF
    for rnd in range(10):
        if rnd > 0:
            k = [(k[0] + W0) & mask, (k[1] + W1) & mask]
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 & mask, (p0 >> 32) ^ c[3] ^ k[1], p0 & mask]
    return c


def seq_sum(values):
    s = F(0)
    for v in values:
        s = F(s + v)
    return s


def sample(logits, t, top_k, top_p, min_p, rep, pres, freq, seed, position, history, prompt_len):
    l = [F(v) for v in logits]
    if rep != F(1):
        for i in set(history):
            l[i] = F(l[i] / rep) if l[i] > 0 else F(l[i] * rep)
    if freq != F(0) or pres != F(0):
        counts = {}
        for i in history[prompt_len:]:
            counts[i] = counts.get(i, 0) + 1
        for i, c in counts.items():
            l[i] = F(F(l[i] - F(freq * F(c))) - pres)
    if t == F(0):
        return min(range(len(l)), key=lambda i: (-float(l[i]), i))
    x = [F(v / t) for v in l]
    order = sorted(range(len(x)), key=lambda i: (-float(x[i]), i))  # -0.0 == 0.0 here, so ties go by id
    if top_k > 0:
        order = order[:top_k]
    m = x[order[0]]
    ids, e = [], []
    for i in order:
        v = exp(F(x[i] - m))
        if v != 0:
            ids.append(i)
            e.append(v)
    s = seq_sum(e)
    prob = [F(v / s) for v in e]
    if top_p < F(1):
        c = F(0)
        for j, v in enumerate(prob):
            c = F(c + v)
            if c >= top_p:
                ids, prob = ids[:j + 1], prob[:j + 1]
                break
    if min_p > F(0):
        threshold = F(min_p * prob[0])
        kept = [j for j in range(len(prob)) if prob[j] >= threshold]
        ids, prob = [ids[j] for j in kept], [prob[j] for j in kept]
    r = seq_sum(prob)
    q = [F(v / r) for v in prob]
    w0 = philox([position, 0, 0, 0], [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])[0]
    u = F(w0 >> 8) * F(2.0 ** -24)
    c = F(0)
    for j, v in enumerate(q):
        c = F(c + v)
        if c > u:
            return ids[j]
    return ids[-1]


def random_case(rnd):
    vocab = rnd.choice([2, 5, 17, 40])
    logits = []
    for _ in range(vocab):
        r = rnd.random()
        v = (float(rnd.randint(-2, 2)) if r < 0.1 else float("-inf") if r < 0.13 else -0.0 if r < 0.15
             else rnd.gauss(0, rnd.choice([0.5, 3, 20])))
        logits.append(F(v))
    if all(v == float("-inf") for v in logits):
        logits[0] = F(0)
    params = [F(rnd.choice([0, 0.3, 0.7, 1, 1, 1.5, 2.0])), rnd.choice([0, 0, 1, 2, 3, 10]),
              F(rnd.choice([1, 1, 0.9, 0.5, 0.95, 0.3])), F(rnd.choice([0, 0, 0.05, 0.2, 0.6])),
              F(rnd.choice([1, 1, 1.3, 0.8, 2])), F(rnd.choice([0, 0, 0.5, -1.0, 1.7])),
              F(rnd.choice([0, 0, 0.3, -0.4, 2.0]))]
    seed, position = rnd.randint(-2 ** 63, 2 ** 63 - 1), rnd.randint(0, 100000)
    prompt_len = rnd.randint(0, 5)
    history = [rnd.randrange(vocab) for _ in range(prompt_len + rnd.randint(0, 6))]
    return logits, params, seed, position, history, prompt_len


def main():
    rnd = random.Random(20261125)
    with open("sampler-vectors.txt", "w") as out:
        out.write("# Written by reference_sampler.py. Fields: vocab, logits (float32 bits), temperature top_k top_p\n"
                  "# min_p repetition presence frequency (floats as bits), seed, position, prompt length,\n"
                  "# history length, history ids, expected token id.\n")
        for _ in range(150):
            logits, params, seed, position, history, prompt_len = random_case(rnd)
            token = sample(logits, *params, seed, position, history, prompt_len)
            t, k, p, mp, rep, pres, freq = params
            fields = ([len(logits)] + ["%08x" % bits(v) for v in logits]
                      + ["%08x" % bits(t), k] + ["%08x" % bits(v) for v in (p, mp, rep, pres, freq)]
                      + [seed, position, prompt_len, len(history)] + history + [token])
            out.write(" ".join(str(f) for f in fields) + "\n")
    with open("exp-vectors.txt", "w") as out:
        out.write("# Written by reference_sampler.py. Fields: x, exp(x) (float32 bits).\n")
        xs = [F(rnd.uniform(-105, 89)) for _ in range(300)] + [F(rnd.uniform(-25, 0)) for _ in range(300)]
        xs += [F(0), F(-0.0), MAX_INPUT, F(-87.5), F(-100), F(-103.97), F(-104)]
        # first input that overflows, k = 128 with a finite result, the least subnormal result and the float
        # below it, three near-ties of the final rounding, and the infinities
        xs += [hexf(h) for h in ("0x1.62e430p+6", "0x1.62p+6", "-0x1.9fe368p+6", "-0x1.9fe36ap+6", "-0x1.8f4a28p+2",
                                 "-0x1.8f4a2p+3", "-0x1.2b6d1cp+4")] + [F(np.inf), F(-np.inf)]
        for x in xs:
            out.write("%08x %08x\n" % (bits(x), bits(exp(x))))


if __name__ == "__main__":
    main()
