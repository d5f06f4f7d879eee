import hashlib
import re

from checkout.services.api_keys import key_hash, looks_like_key, new_secret


def test_secrets_are_sk_plus_43_base62_characters_and_all_differ():
    made = {new_secret() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"sk_[0-9A-Za-z]{43}", s) for s in made)
    assert all(looks_like_key(s) for s in made)
    assert not looks_like_key("eyJhbGciOiJIUzI1NiJ9.x.y")


def test_only_a_sha256_of_the_key_is_kept():
    secret = new_secret()
    assert key_hash(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[3:] not in key_hash(secret)
