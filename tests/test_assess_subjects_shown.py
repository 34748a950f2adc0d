"""The 考核对象 list names where each person works and their posts, as the roster knows them."""

from models.assess import scorecard as assess
from models.roster import team as roster


def _categories(db):
    plan = db.execute("SELECT uuid FROM assess_plans WHERE deleted = 0 ORDER BY id LIMIT 1").fetchone()[0]
    return {name: (key, bool(stationed)) for key, name, stationed in db.execute(
        "SELECT uuid, name, village_stationed FROM assess_categories WHERE plan_uuid = ? AND deleted = 0", [plan])}


def test_township_cadres_show_their_roster_posts_and_office(demo_db):
    shown = 0
    for name, (key, stationed) in _categories(demo_db).items():
        for s in assess.subjects_shown(demo_db, key):
            if s["village_name"] or not s["person_uuid"]:
                continue
            posts = roster.cadre_posts(demo_db, [s["person_uuid"]])[s["person_uuid"]]
            place = roster.cadre_places(demo_db, [s["person_uuid"]])[s["person_uuid"]]
            assert s["post"] == posts, (name, s["person_name"])
            assert s["place"] == ("、".join(place["villages"]) if stationed and place["villages"] else place["office"])
            shown += bool(s["post"])
    assert shown, "the demo's township cadres hold posts: the list shows them"


def test_a_leader_shows_the_post_the_roster_gives(demo_db):
    leaders = [s for name, (key, _) in _categories(demo_db).items() if "主要领导" in name
               for s in assess.subjects_shown(demo_db, key)]
    assert leaders and all(s["post"] for s in leaders), leaders
    assert any("书记" in s["post"] or "镇长" in s["post"] for s in leaders)


def test_village_cadres_show_their_village_and_role(demo_db):
    village = [s for key, _ in _categories(demo_db).values() for s in assess.subjects_shown(demo_db, key)
               if s["village_name"]]
    assert village, "the demo assesses village cadres"
    assert all(s["place"] == s["village_name"] and s["post"] == assess.VILLAGE_ROLES[s["role"]] for s in village)
