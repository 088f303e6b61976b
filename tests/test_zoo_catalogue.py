"""The zoo's catalogue (zoo_catalogue.py, its literals in zoo_entries.py) equals the registry, field by field."""

import pytest

from archstat import zoo_catalogue
from archstat.models import catalogue, get_model_info, list_models

STALE = f"archstat/zoo_entries.py is stale; regenerate it: {catalogue.REGENERATE}"
ENTRIES = {entry.name: entry for entry in zoo_catalogue.ENTRIES}


def test_the_catalogue_names_every_registered_model_in_the_registrys_order():
    assert zoo_catalogue.names() == list_models(), STALE


@pytest.mark.parametrize("name", list_models())
def test_each_entry_equals_the_registrys_facts_field_by_field(name):
    assert name in ENTRIES, STALE
    info = get_model_info(name)
    for field in zoo_catalogue.ZooEntry._fields:
        assert getattr(ENTRIES[name], field) == getattr(info, field), f"{name}.{field}: {STALE}"
    assert isinstance(ENTRIES[name].input_size, tuple), STALE


def test_the_file_is_what_the_writer_writes():
    assert catalogue.TARGET.read_text() == catalogue.render(), STALE
    assert catalogue.main([]) == 0


def test_the_check_fails_on_a_stale_catalogue(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "zoo_catalogue.py"
    stale.write_text(catalogue.render().replace("name='vgg16'", "name='vgg16x'"))
    monkeypatch.setattr(catalogue, "TARGET", stale)
    assert catalogue.main([]) == 1
    assert catalogue.REGENERATE in capsys.readouterr().err
    assert catalogue.main(["--write"]) == 0 and stale.read_text() == catalogue.render()


@pytest.mark.parametrize("pattern", [None, "resnet*", "vgg1?", "*v[23]*", "inception_*", "nothing_like_it", "VGG*"])
def test_a_pattern_picks_what_list_models_picks(pattern):
    assert zoo_catalogue.names(pattern) == list_models(pattern)
    assert [entry.name for entry in zoo_catalogue.entries(pattern)] == list_models(pattern)
