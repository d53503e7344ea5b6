"""Config edits that stick: topics saved from the editor, feeds paused from Feeds health.

storage/config_edit.py's set_topics and set_feed_enabled keep the user's comments; the
dashboard writes through them, so the next poll (which brings the database in line
with the config) keeps what the user did.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from storage.config import TopicConfig, default_config, load_config
from storage.config_edit import set_feed_enabled, set_topics
from storage.config_template import render_config
from storage.store import Store
from tui.screens.main import MainScreen

CONFIG = """\
# my feeds, commented
[poll]
interval = "1h"

[[feeds]]
url = "https://kyivledger.example/rss"
title = "The Kyiv Ledger"  # the one I read first

[[feeds]]
url = "https://brusselswire.example/feed"
title = "Brussels Wire"

[[feeds]]
url = "https://northseapost.example/atom"
title = "North Sea Post"

# what I follow
[[topics]]
name = "Ukraine aid"  # renamed twice already
query = "(ukraine OR kyiv) (aid OR air OR missile* OR artillery)"
alert_url = "https://ntfy.example/ukraine"
alert_command = "notify-send newsdeck"
key = "u"

[[topics]]
name = "EU migration"
query = "(EU OR Brussels) (migration OR asylum OR border*)"

# my keys
[keys]
down = "j,down"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def test_set_topics_keeps_comments_alerts_and_what_follows(config_file: Path) -> None:
    topics = list(load_config(config_file).topics)
    topics[0] = replace(topics[0], name="Ukraine weapons")  # a rename keeps everything else
    topics.append(TopicConfig("Harbours", "harbour OR port", key="h", alert_command="x --y"))
    set_topics(config_file, topics)
    text = config_file.read_text()
    assert "# my feeds, commented" in text and "# the one I read first" in text
    assert "# what I follow" in text and "# renamed twice already" in text
    assert text.index("# my keys") > text.index("Harbours")  # still after the topics
    loaded = load_config(config_file)
    assert loaded.topics == tuple(topics)
    assert loaded.keys == (("down", "j,down"),)

    set_topics(config_file, topics[1:])  # delete the first
    assert [t.name for t in load_config(config_file).topics] == ["EU migration", "Harbours"]
    assert "# my keys" in config_file.read_text()


def test_set_feed_enabled_writes_enabled_and_takes_it_back(config_file: Path) -> None:
    url = "https://brusselswire.example/feed"
    assert set_feed_enabled(config_file, url, False).updated == [url]
    assert [f.enabled for f in load_config(config_file).feeds] == [True, False, True]
    assert 'title = "Brussels Wire"\nenabled = false\n\n[[feeds]]' in config_file.read_text()
    set_feed_enabled(config_file, url, True)
    assert config_file.read_text() == CONFIG  # as it was before the pause
    missing = config_file.parent / "none.toml"
    assert set_feed_enabled(missing, "https://elsewhere.example/", False).updated == []
    assert not missing.exists()  # nothing to pause: no file made from the defaults


async def test_pausing_a_feed_lasts_past_the_next_poll(
    kit, db_path: Path, config_file: Path
) -> None:
    app = kit.make_app(db_path, load_config(config_file))
    async with app.run_test(size=(120, 40)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("F", "j", "p")  # pause Brussels Wire
        await kit.settle(pilot, app)
        feeds = tomllib.loads(config_file.read_text())["feeds"]
        assert feeds[1]["enabled"] is False and "enabled" not in feeds[0]
        with Store(db_path) as store:
            store.sync_feeds(load_config(config_file).feeds)  # what every poll does first
            assert [f.state for f in store.feeds()] == ["active", "paused", "active"]
        assert not app.config.feeds[1].enabled
        await pilot.press("p")  # resume
        await kit.settle(pilot, app)
        assert config_file.read_text() == CONFIG
        with Store(db_path) as store:
            store.sync_feeds(load_config(config_file).feeds)
            assert store.feeds()[1].state == "active"


async def test_pausing_without_a_config_file_writes_one_from_the_defaults(
    kit, tmp_path: Path
) -> None:
    path = tmp_path / "conf" / "config.toml"
    config = default_config(path)
    db = tmp_path / "news.db"
    with Store(db) as store:
        store.sync_feeds(config.feeds)
        store.sync_topics(config.topics)
    app = kit.make_app(db, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("F", "p")
        await kit.settle(pilot, app)
    loaded = load_config(path)
    assert loaded.exists and not loaded.feeds[0].enabled
    assert [f.url for f in loaded.feeds] == [f.url for f in config.feeds]
    assert loaded.topics == config.topics
    assert path.read_text().startswith(render_config(default_config(path))[:200])


async def test_editing_a_topic_keeps_its_alerts_and_key(
    kit, db_path: Path, config_file: Path
) -> None:
    app = kit.make_app(db_path, load_config(config_file))
    async with app.run_test(size=(120, 40)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("T", "enter", "ctrl+u", *"Ukraine weapons", "enter", "end")
        await pilot.press(*" OR weapon*", "ctrl+s")
        await kit.settle(pilot, app)
        saved = load_config(config_file).topics[0]
        assert saved.name == "Ukraine weapons" and saved.query.endswith("OR weapon*")
        assert saved.alert_url == "https://ntfy.example/ukraine"
        assert saved.alert_command == "notify-send newsdeck" and saved.key == "u"
        assert "# renamed twice already" in config_file.read_text()
        await pilot.press("escape")
        await kit.settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.topics[0].name == "Ukraine weapons"
