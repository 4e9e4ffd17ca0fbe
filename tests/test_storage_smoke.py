"""Quick check that the fixtures give a working façade on both databases."""

from oefenkit.identity import SYSTEM


def test_add_and_find_person(kit):
    """Can a person be added and found again on this database?"""
    kit.add_person(SYSTEM, "anna", role="cursist", password="geheim-wachtwoord")
    assert kit.find_person("anna").role == "cursist"
    assert kit.authenticate("anna", "geheim-wachtwoord").username == "anna"
