"""ML-KEM (NIST FIPS 203, August 2024) in pure Python, standard library only.

Written from the text of FIPS 203; every function names the algorithm or section it
implements. It is a reference for testing, not for production use: it is not constant
time and keeps secrets in ordinary Python objects.

Public API (all values are ``bytes``):

    keygen(params, d, z)          -> (ek, dk)          ML-KEM.KeyGen_internal (Alg. 16)
    encaps(params, ek, m)         -> (shared_key, c)   ML-KEM.Encaps_internal (Alg. 17)
                                                       after the 7.2 input checks
    decaps(params, dk, c)         -> shared_key        ML-KEM.Decaps_internal (Alg. 18)
                                                       after the 7.3 input checks
    check_encapsulation_key(params, ek) -> bool        7.2 (type and modulus check)
    check_decapsulation_key(params, dk) -> bool        7.3 (type and hash check)

with ``params`` one of ML_KEM_512, ML_KEM_768, ML_KEM_1024. Failed input checks raise
ValueError. A ciphertext of the right length is never refused: a bad one gives the
implicit-rejection key J(z || c).
"""

import hashlib
from collections import namedtuple

__all__ = [
    "Params", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024",
    "keygen", "encaps", "decaps",
    "check_encapsulation_key", "check_decapsulation_key",
]

# ---------------------------------------------------------------------------
# Parameter sets (FIPS 203 section 8, Table 2)
# ---------------------------------------------------------------------------

Q = 3329  # the prime modulus q
N = 256   # polynomial degree n

Params = namedtuple("Params", "name k eta1 eta2 du dv")

ML_KEM_512 = Params("ML-KEM-512", k=2, eta1=3, eta2=2, du=10, dv=4)
ML_KEM_768 = Params("ML-KEM-768", k=3, eta1=2, eta2=2, du=10, dv=4)
ML_KEM_1024 = Params("ML-KEM-1024", k=4, eta1=2, eta2=2, du=11, dv=5)


def ek_len(p):
    """Length of an encapsulation key: 384k + 32 (Table 3)."""
    return 384 * p.k + 32


def dk_len(p):
    """Length of a decapsulation key: 768k + 96 (Table 3)."""
    return 768 * p.k + 96


def ct_len(p):
    """Length of a ciphertext: 32(du k + dv) (Table 3)."""
    return 32 * (p.du * p.k + p.dv)


# ---------------------------------------------------------------------------
# Hash functions and XOF (section 4.1)
# ---------------------------------------------------------------------------

def H(s):
    """H(s) = SHA3-256(s)."""
    return hashlib.sha3_256(s).digest()


def J(s):
    """J(s) = SHAKE256(s, 8 * 32)."""
    return hashlib.shake_256(s).digest(32)


def G(c):
    """G(c) = SHA3-512(c), split into two 32-byte halves."""
    g = hashlib.sha3_512(c).digest()
    return g[:32], g[32:]


def PRF(eta, s, b):
    """PRF_eta(s, b) = SHAKE256(s || b, 8 * 64 * eta), b a single byte."""
    return hashlib.shake_256(s + bytes((b,))).digest(64 * eta)


# ---------------------------------------------------------------------------
# Precomputed constants for the NTT (section 4.3)
# ---------------------------------------------------------------------------

def _bitrev7(i):
    """BitRev7(i): the 7-bit reversal of i."""
    return int(format(i, "07b")[::-1], 2)


# zeta = 17 is a primitive 256-th root of unity mod q.
# ZETAS[i] = 17^BitRev7(i) mod q, used by Algorithms 9 and 10.
ZETAS = [pow(17, _bitrev7(i), Q) for i in range(128)]
# GAMMAS[i] = 17^(2 BitRev7(i) + 1) mod q, used by Algorithm 11 (Appendix A).
GAMMAS = [pow(17, 2 * _bitrev7(i) + 1, Q) for i in range(128)]
# 128^-1 mod q = 3303, the final scaling of the inverse NTT.
_INV128 = 3303
assert (_INV128 * 128) % Q == 1


# ---------------------------------------------------------------------------
# Encoding and decoding (section 4.2.1)
# ---------------------------------------------------------------------------

def byte_encode(d, f):
    """Algorithm 5, ByteEncode_d: 256 d-bit integers -> 32d bytes, little-endian bits.

    The coefficients are packed as one integer (coefficient i at bit position d*i),
    which is the same bit order as BitsToBytes (Algorithm 3) applies.
    """
    x = 0
    for a in reversed(f):
        x = (x << d) | a
    return x.to_bytes(32 * d, "little")


def byte_decode(d, b):
    """Algorithm 6, ByteDecode_d: 32d bytes -> 256 integers.

    Each coefficient is reduced mod m, with m = 2^d for d < 12 and m = q for d = 12.
    """
    if d == 12:
        out = []
        for i in range(0, 384, 3):
            b0, b1, b2 = b[i], b[i + 1], b[i + 2]
            out.append((b0 | ((b1 & 0x0F) << 8)) % Q)
            out.append(((b1 >> 4) | (b2 << 4)) % Q)
        return out
    if d == 1:
        return [(byte >> j) & 1 for byte in b for j in range(8)]
    x = int.from_bytes(b, "little")
    mask = (1 << d) - 1
    return [(x >> (d * i)) & mask for i in range(256)]


def _encode_poly_vector(d, polys):
    return b"".join(byte_encode(d, f) for f in polys)


def _decode_poly_vector(d, b, k):
    step = 32 * d
    return [byte_decode(d, b[i * step:(i + 1) * step]) for i in range(k)]


# ---------------------------------------------------------------------------
# Compression and decompression (section 4.2.1, equations 4.7 and 4.8)
# ---------------------------------------------------------------------------

def compress(d, f):
    """Compress_d(x) = round((2^d / q) x) mod 2^d, for every coefficient of f.

    round() rounds halves up; computed exactly in integers as
    floor((2^(d+1) x + q) / (2q)).
    """
    mask = (1 << d) - 1
    two_q = 2 * Q
    sh = d + 1
    return [(((x << sh) + Q) // two_q) & mask for x in f]


def decompress(d, f):
    """Decompress_d(y) = round((q / 2^d) y) for every coefficient of f."""
    half = 1 << (d - 1)
    return [(Q * y + half) >> d for y in f]


# ---------------------------------------------------------------------------
# Sampling (section 4.2.2)
# ---------------------------------------------------------------------------

def sample_ntt(B):
    """Algorithm 7, SampleNTT: a 34-byte seed rho || j || i -> a polynomial in T_q.

    Reads the SHAKE128 stream three bytes at a time, each giving two 12-bit
    candidates d1, d2 kept if below q (rejection sampling). hashlib's SHAKE cannot be
    read incrementally, so a longer prefix is squeezed again if the first one runs out.
    """
    xof = hashlib.shake_128(B)
    nbytes = 3 * 168          # three SHAKE128 blocks: enough nearly always
    buf = xof.digest(nbytes)
    a = []
    pos = 0
    while True:
        while pos + 3 <= nbytes:
            c0, c1, c2 = buf[pos], buf[pos + 1], buf[pos + 2]
            pos += 3
            d1 = c0 | ((c1 & 0x0F) << 8)
            d2 = (c1 >> 4) | (c2 << 4)
            if d1 < Q:
                a.append(d1)
                if len(a) == 256:
                    return a
            if d2 < Q:
                a.append(d2)
                if len(a) == 256:
                    return a
        nbytes += 168
        buf = xof.digest(nbytes)


def _cbd_table(eta):
    """For a 2*eta-bit chunk (x bits then y bits), the value (sum x - sum y) mod q."""
    table = []
    for chunk in range(1 << (2 * eta)):
        x = bin(chunk & ((1 << eta) - 1)).count("1")
        y = bin(chunk >> eta).count("1")
        table.append((x - y) % Q)
    return table


_CBD_TABLES = {2: _cbd_table(2), 3: _cbd_table(3)}


def sample_poly_cbd(eta, B):
    """Algorithm 8, SamplePolyCBD_eta: 64*eta bytes -> a polynomial in R_q.

    Coefficient i uses bits 2*i*eta .. 2*i*eta + 2*eta - 1 of B (little-endian bit
    order): f[i] = (sum of the first eta bits) - (sum of the next eta bits) mod q.
    """
    table = _CBD_TABLES[eta]
    if eta == 2:
        # 4 bits per coefficient: low nibble, then high nibble of each byte.
        out = []
        for byte in B:
            out.append(table[byte & 0x0F])
            out.append(table[byte >> 4])
        return out
    w = 2 * eta
    mask = (1 << w) - 1
    x = int.from_bytes(B, "little")
    return [table[(x >> (w * i)) & mask] for i in range(256)]


# ---------------------------------------------------------------------------
# The number-theoretic transform (section 4.3)
# ---------------------------------------------------------------------------

def ntt(f):
    """Algorithm 9, NTT: f in R_q -> its representation in T_q (new list)."""
    f = list(f)
    i = 1
    length = 128
    while length >= 2:
        for start in range(0, 256, 2 * length):
            zeta = ZETAS[i]
            i += 1
            mid = start + length
            end = mid + length
            lo = f[start:mid]
            t = [zeta * x % Q for x in f[mid:end]]
            f[start:mid] = [(a + b) % Q for a, b in zip(lo, t)]
            f[mid:end] = [(a - b) % Q for a, b in zip(lo, t)]
        length >>= 1
    return f


def ntt_inv(f):
    """Algorithm 10, NTT^-1: f in T_q -> its representation in R_q (new list)."""
    f = list(f)
    i = 127
    length = 2
    while length <= 128:
        for start in range(0, 256, 2 * length):
            zeta = ZETAS[i]
            i -= 1
            mid = start + length
            end = mid + length
            lo = f[start:mid]
            hi = f[mid:end]
            f[start:mid] = [(a + b) % Q for a, b in zip(lo, hi)]
            f[mid:end] = [zeta * (b - a) % Q for a, b in zip(lo, hi)]
        length <<= 1
    return [x * _INV128 % Q for x in f]


def _multiply_ntts_unreduced(f, g):
    """Algorithm 11, MultiplyNTTs, without the final reduction mod q.

    For i in 0..127, (f[2i] + f[2i+1] X)(g[2i] + g[2i+1] X) mod (X^2 - gamma_i) by
    Algorithm 12 (BaseCaseMultiply). Sums of these are reduced once by the caller.
    """
    h = [0] * 256
    for i in range(128):
        a0 = f[2 * i]
        a1 = f[2 * i + 1]
        b0 = g[2 * i]
        b1 = g[2 * i + 1]
        h[2 * i] = a0 * b0 + a1 * b1 * GAMMAS[i]
        h[2 * i + 1] = a0 * b1 + a1 * b0
    return h


def _dot(fs, gs):
    """sum_j MultiplyNTTs(fs[j], gs[j]) in T_q (the inner product of section 2.4.7)."""
    acc = None
    for f, g in zip(fs, gs):
        h = _multiply_ntts_unreduced(f, g)
        acc = h if acc is None else [x + y for x, y in zip(acc, h)]
    return [x % Q for x in acc]


def _add(f, g):
    return [(a + b) % Q for a, b in zip(f, g)]


def _sample_matrix(rho, k, transpose):
    """A-hat[i][j] = SampleNTT(rho || j || i) (Alg. 13 lines 3-7, Alg. 14 lines 4-8).

    With transpose=True the transpose is returned: entry [i][j] is A-hat[j][i],
    i.e. SampleNTT(rho || i || j).
    """
    if transpose:
        return [[sample_ntt(rho + bytes((i, j))) for j in range(k)] for i in range(k)]
    return [[sample_ntt(rho + bytes((j, i))) for j in range(k)] for i in range(k)]


# ---------------------------------------------------------------------------
# K-PKE, the component public-key encryption scheme (section 5)
# ---------------------------------------------------------------------------

def k_pke_keygen(p, d):
    """Algorithm 13, K-PKE.KeyGen(d) -> (ek_PKE, dk_PKE)."""
    k = p.k
    rho, sigma = G(d + bytes((k,)))                      # line 1, domain-separated by k
    a_hat = _sample_matrix(rho, k, transpose=False)      # lines 3-7
    n = 0
    s = []
    for _ in range(k):                                   # lines 8-11
        s.append(sample_poly_cbd(p.eta1, PRF(p.eta1, sigma, n)))
        n += 1
    e = []
    for _ in range(k):                                   # lines 12-15
        e.append(sample_poly_cbd(p.eta1, PRF(p.eta1, sigma, n)))
        n += 1
    s_hat = [ntt(f) for f in s]                          # line 16
    e_hat = [ntt(f) for f in e]                          # line 17
    t_hat = [_add(_dot(a_hat[i], s_hat), e_hat[i]) for i in range(k)]  # line 18
    ek_pke = _encode_poly_vector(12, t_hat) + rho        # line 19
    dk_pke = _encode_poly_vector(12, s_hat)              # line 20
    return ek_pke, dk_pke


def k_pke_encrypt(p, ek_pke, m, r):
    """Algorithm 14, K-PKE.Encrypt(ek_PKE, m, r) -> c."""
    k = p.k
    t_hat = _decode_poly_vector(12, ek_pke, k)           # line 2
    rho = ek_pke[384 * k:384 * k + 32]                   # line 3
    a_hat_t = _sample_matrix(rho, k, transpose=True)     # lines 4-8 (used transposed)
    n = 0
    y = []
    for _ in range(k):                                   # lines 9-12
        y.append(sample_poly_cbd(p.eta1, PRF(p.eta1, r, n)))
        n += 1
    e1 = []
    for _ in range(k):                                   # lines 13-16
        e1.append(sample_poly_cbd(p.eta2, PRF(p.eta2, r, n)))
        n += 1
    e2 = sample_poly_cbd(p.eta2, PRF(p.eta2, r, n))      # line 17
    y_hat = [ntt(f) for f in y]                          # line 18
    u = [_add(ntt_inv(_dot(a_hat_t[i], y_hat)), e1[i]) for i in range(k)]  # line 19
    mu = decompress(1, byte_decode(1, m))                # line 20
    v = ntt_inv(_dot(t_hat, y_hat))                      # line 21
    v = [(a + b + c) % Q for a, b, c in zip(v, e2, mu)]
    c1 = b"".join(byte_encode(p.du, compress(p.du, f)) for f in u)  # line 22
    c2 = byte_encode(p.dv, compress(p.dv, v))            # line 23
    return c1 + c2                                       # line 24


def k_pke_decrypt(p, dk_pke, c):
    """Algorithm 15, K-PKE.Decrypt(dk_PKE, c) -> m."""
    k = p.k
    split = 32 * p.du * k
    c1 = c[:split]                                       # line 1
    c2 = c[split:split + 32 * p.dv]                      # line 2
    u = [decompress(p.du, f) for f in _decode_poly_vector(p.du, c1, k)]  # line 3
    v = decompress(p.dv, byte_decode(p.dv, c2))          # line 4
    s_hat = _decode_poly_vector(12, dk_pke, k)           # line 5
    w = ntt_inv(_dot(s_hat, [ntt(f) for f in u]))        # line 6
    w = [(a - b) % Q for a, b in zip(v, w)]
    return byte_encode(1, compress(1, w))                # line 7


# ---------------------------------------------------------------------------
# ML-KEM internal algorithms (section 6)
# ---------------------------------------------------------------------------

def keygen_internal(p, d, z):
    """Algorithm 16, ML-KEM.KeyGen_internal(d, z) -> (ek, dk)."""
    ek_pke, dk_pke = k_pke_keygen(p, d)                  # line 1
    ek = ek_pke                                          # line 2
    dk = dk_pke + ek + H(ek) + z                         # line 3
    return ek, dk


def encaps_internal(p, ek, m):
    """Algorithm 17, ML-KEM.Encaps_internal(ek, m) -> (K, c)."""
    key, r = G(m + H(ek))                                # line 1
    c = k_pke_encrypt(p, ek, m, r)                       # line 2
    return key, c


def decaps_internal(p, dk, c):
    """Algorithm 18, ML-KEM.Decaps_internal(dk, c) -> K."""
    k = p.k
    dk_pke = dk[:384 * k]                                # line 1
    ek_pke = dk[384 * k:768 * k + 32]                    # line 2
    h = dk[768 * k + 32:768 * k + 64]                    # line 3
    z = dk[768 * k + 64:768 * k + 96]                    # line 4
    m_prime = k_pke_decrypt(p, dk_pke, c)                # line 5
    key_prime, r_prime = G(m_prime + h)                  # line 6
    key_bar = J(z + c)                                   # line 7
    c_prime = k_pke_encrypt(p, ek_pke, m_prime, r_prime)  # line 8
    if c != c_prime:                                     # lines 9-11: implicit rejection
        key_prime = key_bar
    return key_prime


# ---------------------------------------------------------------------------
# Input checks (sections 7.2 and 7.3) and the public API
# ---------------------------------------------------------------------------

def check_encapsulation_key(params, ek):
    """Section 7.2 input checking of ek.

    1. Type check: ek is 384k + 32 bytes.
    2. Modulus check: ByteEncode_12(ByteDecode_12(ek[0:384k])) == ek[0:384k], i.e.
       every 12-bit coefficient of t-hat is already below q.
    """
    k = params.k
    if not isinstance(ek, (bytes, bytearray)) or len(ek) != ek_len(params):
        return False
    t = bytes(ek[:384 * k])
    return _encode_poly_vector(12, _decode_poly_vector(12, t, k)) == t


def check_decapsulation_key(params, dk):
    """Section 7.3 input checking of dk (the ciphertext type check is done in decaps).

    1. Type check: dk is 768k + 96 bytes.
    2. Hash check: H(dk[384k : 768k + 32]) == dk[768k + 32 : 768k + 64].
    """
    k = params.k
    if not isinstance(dk, (bytes, bytearray)) or len(dk) != dk_len(params):
        return False
    return H(bytes(dk[384 * k:768 * k + 32])) == bytes(dk[768 * k + 32:768 * k + 64])


def _check_32(name, value):
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes")
    return bytes(value)


def keygen(params, d, z):
    """ML-KEM key generation from the seeds d and z (Algorithm 16; the randomness of
    Algorithm 19, ML-KEM.KeyGen, supplied by the caller). Returns (ek, dk), with
    dk = dk_PKE || ek || H(ek) || z."""
    d = _check_32("d", d)
    z = _check_32("z", z)
    return keygen_internal(params, d, z)


def encaps(params, ek, m):
    """ML-KEM encapsulation with the message m supplied by the caller (Algorithm 17,
    after the 7.2 input checks). Returns (shared_key, ciphertext).

    Raises ValueError if ek has the wrong length or fails the modulus check."""
    if not check_encapsulation_key(params, ek):
        raise ValueError("encapsulation key fails the FIPS 203 7.2 checks")
    m = _check_32("m", m)
    return encaps_internal(params, bytes(ek), m)


def decaps(params, dk, c):
    """ML-KEM decapsulation (Algorithm 18, after the 7.3 input checks). Returns the
    shared key; a ciphertext of the right length that does not re-encrypt gives the
    implicit-rejection key J(z || c).

    Raises ValueError if c or dk has the wrong length or dk fails the hash check."""
    if not isinstance(c, (bytes, bytearray)) or len(c) != ct_len(params):
        raise ValueError("ciphertext has the wrong length (FIPS 203 7.3)")
    if not check_decapsulation_key(params, dk):
        raise ValueError("decapsulation key fails the FIPS 203 7.3 checks")
    return decaps_internal(params, bytes(dk), bytes(c))
