"""Settings: environment, overrides, defaults and the child-process round trip."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

from oefenkit.errors import ConfigurationError
from oefenkit.settings import DEFAULT_PORT, PROJECT_ROOT, Settings, load_settings


def test_default_data_dir_is_under_xdg_data_home(tmp_path):
    """Without OEFENKIT_DATA_DIR, is the data directory $XDG_DATA_HOME/oefenkit?"""
    settings = load_settings(env={"XDG_DATA_HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / "oefenkit"


def test_default_data_dir_without_xdg_is_under_home(tmp_path, monkeypatch):
    """Without any variable, is the data directory ~/.local/share/oefenkit?"""
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(env={})
    assert settings.data_dir == tmp_path / ".local" / "share" / "oefenkit"


def test_relative_xdg_data_home_is_ignored(tmp_path, monkeypatch):
    """Is a relative $XDG_DATA_HOME ignored (XDG spec), so the data dir never depends on the cwd?"""
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(env={"XDG_DATA_HOME": "relatief/pad"})
    assert settings.data_dir.is_absolute()
    assert settings.data_dir == tmp_path / ".local" / "share" / "oefenkit"


def test_default_database_is_sqlite_in_data_dir(tmp_path):
    """Without a database URL, is the database a SQLite file in the data directory?"""
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)})
    assert settings.database_url == ""
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'oefenkit.sqlite3'}"
    assert settings.is_sqlite


def test_database_url_from_env(tmp_path):
    """Does OEFENKIT_DATABASE_URL replace the SQLite default?"""
    url = "postgresql://kit@db.example/oefenkit"
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_DATABASE_URL": url})
    assert settings.effective_database_url == url
    assert not settings.is_sqlite


def test_all_options_from_env(tmp_path):
    """Is every option read from its environment variable and converted to its type?"""
    env = {
        "OEFENKIT_DATA_DIR": str(tmp_path / "data"),
        "OEFENKIT_HOST": "0.0.0.0",
        "OEFENKIT_PORT": "9123",
        "OEFENKIT_NOTEBOOKS_DIR": str(tmp_path / "nb"),
        "OEFENKIT_CONTENT_DIR": str(tmp_path / "inhoud"),
        "OEFENKIT_KERNEL_CULL_IDLE": "60",
    }
    settings = load_settings(env=env)
    assert settings.data_dir == tmp_path / "data"
    assert settings.host == "0.0.0.0"
    assert settings.port == 9123
    assert settings.notebooks_dir == tmp_path / "nb"
    assert settings.content_dir == tmp_path / "inhoud"
    assert settings.kernel_cull_idle_seconds == 60


def test_reads_os_environ_by_default(tmp_path, monkeypatch):
    """Without an explicit mapping, are the process's environment variables used?"""
    monkeypatch.setenv("OEFENKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OEFENKIT_PORT", "8123")
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.port == 8123


def test_defaults(tmp_path):
    """Are the defaults for host, port and the project's folders used when nothing is set?"""
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)})
    assert settings.host == "127.0.0.1"
    assert settings.port == DEFAULT_PORT
    assert settings.notebooks_dir == PROJECT_ROOT / "notebooks"
    assert settings.content_dir == PROJECT_ROOT / "content"
    assert (settings.content_dir / "programmes.yaml").is_file()


def test_empty_env_value_counts_as_unset(tmp_path):
    """Is an empty environment variable treated as not set?"""
    settings = load_settings(env={"XDG_DATA_HOME": str(tmp_path), "OEFENKIT_DATA_DIR": "",
                                  "OEFENKIT_PORT": ""})
    assert settings.data_dir == tmp_path / "oefenkit"
    assert settings.port == DEFAULT_PORT


def test_relative_and_home_paths_are_resolved(tmp_path, monkeypatch):
    """Are relative and ~ paths made absolute, so child processes see the same folder?"""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_settings(env={"OEFENKIT_DATA_DIR": "data"}).data_dir == tmp_path / "data"
    assert load_settings(env={"OEFENKIT_DATA_DIR": "~/kit"}).data_dir == tmp_path / "home" / "kit"
    assert load_settings(env={}, data_dir="rel").data_dir == tmp_path / "rel"


def test_overrides_win_over_env(tmp_path):
    """Do explicit overrides (CLI flags) win over the environment?"""
    env = {"OEFENKIT_DATA_DIR": str(tmp_path / "env"), "OEFENKIT_PORT": "9000",
           "OEFENKIT_DATABASE_URL": "sqlite:///env.sqlite3"}
    settings = load_settings(env=env, data_dir=str(tmp_path / "flag"), port=9001,
                             database_url="postgresql://x@h/db")
    assert settings.data_dir == tmp_path / "flag"
    assert settings.port == 9001
    assert settings.database_url == "postgresql://x@h/db"


def test_none_overrides_fall_back_to_env(tmp_path):
    """Do overrides that are None (flags not given) leave the environment's values?"""
    env = {"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_PORT": "9000"}
    settings = load_settings(env=env, data_dir=None, port=None, database_url=None, host=None)
    assert settings == load_settings(env=env)
    assert settings.port == 9000


@pytest.mark.parametrize("raw", ["abc", "80.5", "acht"])
def test_non_integer_port_is_a_dutch_configuration_error(tmp_path, raw):
    """Is a port that is not a whole number reported in Dutch, from env and from an override?"""
    with pytest.raises(ConfigurationError, match="geheel getal"):
        load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_PORT": raw})
    with pytest.raises(ConfigurationError, match="geheel getal"):
        load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)}, port=raw)


def test_as_env_round_trip(tmp_path):
    """Does a child process that gets ``as_env()`` rebuild exactly the same settings?"""
    settings = load_settings(env={"XDG_DATA_HOME": str(tmp_path)}, port=9999, host="0.0.0.0")
    env = settings.as_env()
    assert all(key.startswith("OEFENKIT_") for key in env)
    assert "OEFENKIT_DATABASE_URL" not in env  # the default stays a default
    assert load_settings(env=env) == settings


def test_as_env_round_trip_with_database_url(tmp_path):
    """Is an explicit database URL passed on to the child process?"""
    url = "postgresql://kit@127.0.0.1:5432/oefenkit"
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)}, database_url=url)
    env = settings.as_env()
    assert env["OEFENKIT_DATABASE_URL"] == url
    assert load_settings(env=env) == settings
    assert load_settings(env=env).effective_database_url == url


def test_every_option_has_env_and_dutch_help():
    """Does every option declare its own environment variable and a help text?"""
    names = []
    for f in dataclasses.fields(Settings):
        assert f.metadata["env"].startswith("OEFENKIT_"), f.name
        assert f.metadata["help"].strip(), f.name
        names.append(f.metadata["env"])
    assert len(set(names)) == len(names)


def test_ensure_data_dir_is_private(tmp_path):
    """Is a new data directory created (with parents) and readable by the owner only?"""
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path / "a" / "b")})
    path = settings.ensure_data_dir()
    assert path.is_dir()
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    assert settings.ensure_data_dir() == path  # a second call is fine


def test_ensure_data_dir_failure_is_a_dutch_configuration_error(tmp_path):
    """Is a data directory that cannot be created reported as ConfigurationError in Dutch?"""
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map")
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(blocker / "data")})
    with pytest.raises(ConfigurationError, match="kan niet worden aangemaakt"):
        settings.ensure_data_dir()


def test_settings_are_immutable(tmp_path):
    """Can settings not be changed after loading (one shared object)?"""
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]
    assert isinstance(settings.data_dir, Path)
