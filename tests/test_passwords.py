"""Password rules (等保 2.0) and hashes: argon2id, no length limit, bcrypt upgraded at sign-in."""

from __future__ import annotations

import bcrypt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth import passwords
from auth.accounts import AccountStore
from auth.cli import main as auth_main
from auth.passwords import PasswordError, kinds_in, problems

LONG_CHINESE = "铸牢中华民族共同体意识推动新时代党的民族工作高质量发展Tx2025。"  # 34 characters


def test_kinds_are_capitals_smalls_digits_and_others():
    assert kinds_in("Abc1") == {"upper", "lower", "digit"}
    assert kinds_in("民族团结") == {"other"}
    assert kinds_in("ab 1!") == {"lower", "other", "digit"}
    assert kinds_in("") == set()


@pytest.mark.parametrize(("secret", "keys"), [
    ("Ab1!", ["auth.password.too_short"]),
    ("abcdefgh", ["auth.password.too_few_kinds"]),
    ("abcdefg1", ["auth.password.too_few_kinds"]),
    ("abcdef", ["auth.password.too_short", "auth.password.too_few_kinds"]),
    ("Abcdefg1", []),
    ("民族团结abc123", []),
    ("xwang_Pass1", ["auth.password.has_username"]),
])
def test_each_rule_broken_is_named(secret, keys):
    assert [key for key, _ in problems(secret, "xwang")] == keys


@given(st.text(max_size=40))
def test_a_password_passes_exactly_when_it_is_long_and_varied_enough(secret):
    ok = len(secret) >= 8 and len(kinds_in(secret)) >= 3
    assert (problems(secret) == []) is ok


@given(st.text(min_size=8, max_size=30).filter(lambda s: len(kinds_in(s)) >= 3))
def test_settings_raise_the_bar(secret):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TONGXIN_PASSWORD_MIN_LENGTH", str(len(secret) + 1))
        assert [k for k, _ in problems(secret)] == ["auth.password.too_short"]
        patch.setenv("TONGXIN_PASSWORD_MIN_LENGTH", "8")
        patch.setenv("TONGXIN_PASSWORD_MIN_KINDS", "4")
        assert (problems(secret) == []) is (len(kinds_in(secret)) == 4)


def test_the_refusal_speaks_both_languages():
    with pytest.raises(PasswordError) as info:
        passwords.check("abc")
    zh, en = info.value.message("zh"), info.value.message("en")
    assert "至少 8 个字符" in zh and "至少 3 类" in zh
    assert "at least 8 characters" in en and "Choose another" in en


@settings(max_examples=5, deadline=None)  # argon2 takes about 0.1 s a hash on purpose
@given(st.text(min_size=1, max_size=200))
def test_any_password_hashes_and_verifies(secret):
    hashed = passwords.hash_password(secret)
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(secret, hashed).matches
    assert not passwords.verify(secret + "x", hashed).matches


def test_a_34_character_chinese_password_is_accepted(tmp_path, monkeypatch, capsys):
    # 102 bytes in UTF-8: bcrypt refused it ("程序内部出错").
    assert len(LONG_CHINESE) == 34 and len(LONG_CHINESE.encode()) > 72
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "accounts.json"))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(LONG_CHINESE + "\n"))
    assert auth_main(["add", "zhang", "--role", "editor", "--password-stdin"]) == 0
    store = AccountStore(tmp_path / "accounts.json")
    assert store.authenticate("zhang", LONG_CHINESE).role == "editor"
    assert store.authenticate("zhang", LONG_CHINESE[:-1]) is None
    assert "Traceback" not in capsys.readouterr().err


def test_a_weak_password_on_the_command_line_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "accounts.json"))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("password\n"))
    assert auth_main(["add", "li", "--role", "viewer", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "至少 3 类" in err and "Traceback" not in err
    assert not (tmp_path / "accounts.json").exists()


def test_a_bcrypt_hash_still_signs_in_and_is_upgraded(tmp_path):
    store = AccountStore(tmp_path / "accounts.json", audit=(seen := []).append)
    store.add("old", "viewer", "Legacy-pass 1", "admin")
    # As an earlier version wrote it: bcrypt.
    legacy = bcrypt.hashpw(b"Legacy-pass 1", bcrypt.gensalt()).decode("ascii")
    store._put(store.get("old").__class__(**{**store.get("old").__dict__,
                                             "secret_hash": legacy}))
    assert store.get("old").secret_hash.startswith("$2b$")
    assert store.authenticate("old", "wrong") is None
    assert store.get("old").secret_hash.startswith("$2b$")  # a wrong password changes nothing
    assert store.authenticate("old", "Legacy-pass 1").username == "old"
    assert store.get("old").secret_hash.startswith("$argon2id$")
    assert store.authenticate("old", "Legacy-pass 1").username == "old"
    assert [e["action"] for e in seen] == ["account_add", "password_upgraded"]


def test_bcrypt_never_sees_more_than_72_bytes():
    legacy = bcrypt.hashpw(b"x" * 72, bcrypt.gensalt()).decode("ascii")
    assert passwords.verify("x" * 72, legacy).matches
    # bcrypt 5 raises on longer input; a longer password simply does not match.
    assert not passwords.verify("x" * 73, legacy).matches
    assert not passwords.verify(LONG_CHINESE, legacy).matches
