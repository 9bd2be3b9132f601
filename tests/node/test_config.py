"""Settings: one typed object from YAML plus GEMELLA_* overrides; bad files say where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from node import core
from node.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "config.yaml").write_text(text)
    return tmp_path


def test_config__minimal_file_gets_defaults(tmp_path):
    settings = load_settings(write(tmp_path, "node:\n  name: NYC\n  url: https://nyc.example/\n"), {})
    assert settings.node_id == "https://nyc.example"
    assert settings.listen.port == 8080
    assert settings.limits.max_body_bytes == 1024 * 1024
    assert settings.database_path == tmp_path / "node.db"
    assert settings.federation.allow_private_addresses is False


def test_config__bad_value_names_key_and_line(tmp_path):
    text = "node:\n  name: NYC\n  url: https://nyc.example\nlisten:\n  host: 0.0.0.0\n  port: seventy\n"
    with pytest.raises(ConfigError) as exc:
        load_settings(write(tmp_path, text), {})
    assert "line 6" in str(exc.value) and "listen.port" in str(exc.value)


def test_config__unknown_key_is_refused(tmp_path):
    text = "node:\n  name: NYC\n  url: https://nyc.example\n  colour: blue\n"
    with pytest.raises(ConfigError) as exc:
        load_settings(write(tmp_path, text), {})
    assert "node.colour" in str(exc.value) and "line 4" in str(exc.value)


def test_config__unknown_timezone_and_bad_url_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"node\.timezone"):
        load_settings(write(tmp_path, "node:\n  name: A\n  url: https://a.example\n  timezone: Mars/Olympus\n"), {})
    with pytest.raises(ConfigError, match=r"node\.url"):
        load_settings(write(tmp_path, "node:\n  name: A\n  url: ftp://a.example\n"), {})


def test_config__environment_overrides_nested_keys(tmp_path):
    directory = write(tmp_path, "node:\n  name: NYC\n  url: https://nyc.example\n")
    settings = load_settings(directory, {"GEMELLA_LISTEN__PORT": "9999", "GEMELLA_NODE__NAME": "WeCreate NYC"})
    assert settings.listen.port == 9999 and settings.node.name == "WeCreate NYC"
    with pytest.raises(ConfigError, match=r"listen\.port"):
        load_settings(directory, {"GEMELLA_LISTEN__PORT": "not-a-port"})


def test_config__missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="gemella init"):
        load_settings(tmp_path, {})


def test_config__example_file_is_valid_and_complete(tmp_path):
    example = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
    settings = load_settings(write(tmp_path, example.read_text()), {})
    text = example.read_text()
    for section, model in settings:
        if section == "directory":
            continue
        assert f"{section}:" in text, f"config/example.yaml does not show the {section} section"
        for key in type(model).model_fields:
            assert f"{key}:" in text, f"config/example.yaml does not show {section}.{key}"


def test_config__a_name_written_as_a_yaml_block_is_one_line(tmp_path):
    """`name: |` keeps a line break at the end: the mails' From would not take it, and the node did not start."""
    text = "node:\n  name: |\n    WeCreate NYC\n  url: https://nyc.example\n"
    settings = load_settings(write(tmp_path, text), {})
    assert settings.node.name == "WeCreate NYC"
    assert core.mail_sender(settings).address == "WeCreate NYC <noreply@nyc.example>"


def test_config__a_name_or_a_from_address_on_two_lines_is_refused_where_it_is(tmp_path):
    text = 'node:\n  name: "WeCreate\\nNYC"\n  url: https://nyc.example\n'
    with pytest.raises(ConfigError, match=r"line 2: node\.name: .*one line"):
        load_settings(write(tmp_path, text), {})
    text = 'node:\n  name: NYC\n  url: https://nyc.example\nmail:\n  from_address: "NYC <a@nyc.example>\\nBcc: x@y.z"\n'
    with pytest.raises(ConfigError, match=r"line 5: mail\.from_address: .*one line"):
        load_settings(write(tmp_path, text), {})
