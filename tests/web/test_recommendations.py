"""Recommended producers for an artist (docs/operations.md, "Recommended producers"): the SQL
function, the API, the artist page's panel, and the shortlist exports (CSV and JSON), where
only the operator gets e-mails and no cell can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import uuid

import pytest
from fastapi.testclient import TestClient

from producer_discovery.sandbox.web_catalogue import seed_web_catalogue
from producer_discovery.web.shortlists import csv_text, safe_cell
from tests.support.database import Database, one
from tests.web.test_cli_output import run

# Beyoncé Lumière (r&b) and Nova Reyes (pop) share Mara Quill; Solis Vega shares Nova's genre
# but no producer, and Ilse Brandt nothing at all.
NETWORK: dict[str, object] = {
    "artists": [
        {
            "name": "Solis Vega",
            "genres": ["pop", "indie"],
            "albums": [
                {
                    "name": "Lanterns",
                    "release_date": "2019-03-01",
                    "tracks": [
                        {
                            "name": "Harbour",
                            "credits": [
                                {
                                    "producer": '=HYPERLINK("http://evil")',
                                    "roles": ["producer"],
                                    "sources": {"genius": 0.9},
                                }
                            ],
                        }
                    ],
                }
            ],
        },
        {"name": "Ilse Brandt", "genres": [], "albums": []},
    ],
    "producers": {},
}


def recommended(client: TestClient, artist_id: str, **params: int) -> dict[str, object]:
    response = client.get(f"/api/artists/{artist_id}/recommended-producers", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_recommendations_are_producers_of_artists_sharing_producers_never_the_artists_own(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Nova Reyes shares Mara Quill with Beyoncé Lumière: DJ O'Neil (who produced Beyoncé
    Lumière) is recommended, with the reason in words; Mara Quill, already Nova's, is not."""
    answer = recommended(client, catalogue["Nova Reyes"])
    assert answer["artist"] == {"id": catalogue["Nova Reyes"], "name": "Nova Reyes"}
    producers = answer["producers"]
    assert isinstance(producers, list)
    assert [p["name"] for p in producers] == ["DJ O'Neil"]
    first = producers[0]
    assert first["reasons"][0] == (
        "produced 1 song for Beyoncé Lumière, who shares 1 producer with you"
    )
    assert first["score"] > 0
    assert first["shared_producers"] == 1
    assert "email" not in first


def test_shared_genres_recommend_and_rank_and_are_given_as_a_reason(
    client: TestClient, catalogue: dict[str, str], db: Database
) -> None:
    """A producer of an artist of the same genre is recommended with the genre as a reason;
    the network's producer, with more reasons, ranks first; an artist with neither gets none."""
    ids = seed_web_catalogue(db, NETWORK)
    producers = recommended(client, catalogue["Nova Reyes"])["producers"]
    assert isinstance(producers, list)
    assert [p["name"] for p in producers] == ["DJ O'Neil", '=HYPERLINK("http://evil")']
    assert producers[1]["reasons"][0] == "worked for artists in your genre: pop"
    assert producers[1]["shared_genres"] == ["pop"]
    assert producers[0]["score"] > producers[1]["score"]
    assert recommended(client, ids["Ilse Brandt"])["producers"] == []
    limited = recommended(client, catalogue["Nova Reyes"], limit=1)["producers"]
    assert isinstance(limited, list)
    assert len(limited) == 1


def test_recommendations_refuse_an_unknown_artist_and_a_bad_limit(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Unknown artist: 404 JSON; limit 0, 101 or a word: 422; a malformed id: 422."""
    path = f"/api/artists/{uuid.uuid4()}/recommended-producers"
    assert client.get(path).status_code == 404
    assert client.get(path).json()["detail"] == "no artist with this id"
    nova = f"/api/artists/{catalogue['Nova Reyes']}/recommended-producers"
    for limit in ("0", "101", "many"):
        assert client.get(nova, params={"limit": limit}).status_code == 422, limit
    assert client.get("/api/artists/not-an-id/recommended-producers").status_code == 422
    assert client.get(f"{path}.csv").status_code == 404
    assert client.get(f"{nova}.xml").status_code in (404, 422)


def test_sql_function_ranks_candidates_and_clamps_max(
    db: Database, catalogue: dict[str, str]
) -> None:
    """recommended_producers(artist_id, max) from psql: the same answer; max is held to 1-100."""
    row = one(
        db.execute(
            "SELECT name, reasons FROM recommended_producers(%s::UUID, 5)",
            (catalogue["Beyoncé Lumière"],),
        )
    )
    assert row["name"] == "Théo Marchand"
    assert row["reasons"][0] == "produced 1 song for Nova Reyes, who shares 1 producer with you"
    count = one(
        db.execute(
            "SELECT count(*) AS n FROM recommended_producers(%s::UUID, 0)",
            (catalogue["Beyoncé Lumière"],),
        )
    )
    assert count["n"] == 1
    named = one(
        db.execute(
            "SELECT count(*) AS n FROM recommended_producers(artist_id => %s::UUID, max => 5)",
            (catalogue["Beyoncé Lumière"],),
        )
    )
    assert named["n"] == 1
    none = one(
        db.execute(
            "SELECT count(*) AS n FROM recommended_producers(%s::UUID, 5)", (str(uuid.uuid4()),)
        )
    )
    assert none["n"] == 0


def test_artist_page_shows_the_recommendations_panel_with_reasons_and_exports(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """/artists/{id}: the panel lists the producer, the reason and the export links."""
    page = client.get(f"/artists/{catalogue['Nova Reyes']}").text
    assert "Who could produce the next record" in page
    dj = catalogue["DJ O'Neil"]
    assert f'<a href="/producers/{dj}">DJ O' in page
    assert "who shares 1 producer with you" in page
    assert f"/api/artists/{catalogue['Nova Reyes']}/recommended-producers.csv" in page


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_visitors_export_no_email_and_the_operator_does(
    client: TestClient, catalogue: dict[str, str], operator_headers: dict[str, str]
) -> None:
    """A search shortlist as CSV and JSON: a header row; the email column and key only for
    the operator."""
    visitor = client.get("/api/producers.csv", params={"q": "mara quill"})
    assert visitor.status_code == 200
    assert visitor.headers["content-type"].startswith("text/csv")
    assert "attachment" in visitor.headers["content-disposition"]
    header = visitor.text.splitlines()[0]
    assert header == "id,name,tracks,artists,instagram_handle,page"
    assert "@quill.example" not in visitor.text
    assert parsed(visitor.text)[0]["name"] == "Mara Quill"
    operator = client.get(
        "/api/producers.csv", params={"q": "mara quill"}, headers=operator_headers
    )
    assert operator.text.splitlines()[0].endswith(",email")
    assert parsed(operator.text)[0]["email"] == "mara@quill.example"
    as_json = client.get("/api/producers.json", params={"q": "mara quill"}).json()
    assert as_json["query"] == "mara quill"
    assert as_json["producers"][0]["name"] == "Mara Quill"
    assert "email" not in as_json["producers"][0]
    operator_json = client.get(
        "/api/producers.json", params={"q": "mara quill"}, headers=operator_headers
    ).json()
    assert operator_json["producers"][0]["email"] == "mara@quill.example"
    assert client.get("/api/producers.csv", params={"q": "x"}).status_code == 422
    assert client.get("/api/producers.csv").status_code == 422


def test_recommendations_export_as_csv_and_json(
    client: TestClient, catalogue: dict[str, str], operator_headers: dict[str, str]
) -> None:
    """The recommendations as CSV (reasons joined by "; ") and JSON; e-mail for the operator."""
    path = f"/api/artists/{catalogue['Beyoncé Lumière']}/recommended-producers"
    visitor = parsed(client.get(f"{path}.csv").text)
    assert [row["name"] for row in visitor] == ["Théo Marchand"]
    assert "email" not in visitor[0]
    assert visitor[0]["reasons"].startswith("produced 1 song for Nova Reyes")
    operator = parsed(client.get(f"{path}.csv", headers=operator_headers).text)
    assert operator[0]["email"] == "theo@marchand.example"
    document = client.get(f"{path}.json").json()
    assert document["artist"]["name"] == "Beyoncé Lumière"
    assert "email" not in document["producers"][0]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized(
    client: TestClient, catalogue: dict[str, str], db: Database
) -> None:
    """Cells starting with = + - @ (or a tab) get a leading apostrophe; other cells do not."""
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "Mara", 3)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "Mara",
        3,
    ]
    assert csv_text([{"name": "=cmd", "reasons": ["a", "b"]}], ["name", "reasons"]) == (
        "name,reasons\r\n'=cmd,a; b\r\n"
    )
    seed_web_catalogue(db, NETWORK)
    exported = client.get("/api/producers.csv", params={"q": "hyperlink"}).text
    assert parsed(exported)[0]["name"] == '\'=HYPERLINK("http://evil")'


def test_cli_recommends_by_name_or_id_and_refuses_an_unknown_artist(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    catalogue: dict[str, str],
) -> None:
    """`producers recommend ARTIST`: a table with the reasons (any spelling of the name), JSON
    with --json, one readable line and exit 1 for an unknown artist, exit 2 for a bad limit."""
    code, out, _ = run(capsys, monkeypatch, database_url, "producers", "recommend", "nova REYES")
    assert code == 0, out
    assert "DJ O'Neil" in out
    assert "Reasons" in out
    assert "shares 1 producer with you" in " ".join(out.split())
    code, out, _ = run(
        capsys,
        monkeypatch,
        database_url,
        "producers",
        "recommend",
        catalogue["Nova Reyes"],
        "--json",
        "--limit",
        "3",
    )
    document = json.loads(out)
    assert document["artist"]["name"] == "Nova Reyes"
    assert document["producers"][0]["reasons"]
    code, out, err = run(
        capsys, monkeypatch, database_url, "producers", "recommend", "Nobody Known"
    )
    assert (code, out) == (1, "")
    assert err.strip().count("\n") == 0
    assert "no artist named 'Nobody Known'" in err
    code, _, err = run(
        capsys, monkeypatch, database_url, "producers", "recommend", str(uuid.uuid4())
    )
    assert code == 1
    assert "no artist with id" in err
    code, _, err = run(
        capsys, monkeypatch, database_url, "producers", "recommend", "Nova Reyes", "--limit", "0"
    )
    assert code == 2


def test_the_score_is_the_documented_formula(client: TestClient, catalogue: dict[str, str]) -> None:
    """DJ O'Neil for Nova Reyes: network 1, 1 network song, no shared genre, 1 song of
    2024-05-03 (recent while that is within 3 years), confidence 0.7:
    (2·ln 2 + ln 2 + 0 + ln(1 + recent)) × (0.5 + 0.7 / 2)."""
    recent = 1 if datetime.date(2024, 5, 3) >= three_years_ago() else 0
    expected = (2 * math.log(2) + math.log(2) + math.log(1 + recent)) * (0.5 + 0.7 / 2)
    producers = recommended(client, catalogue["Nova Reyes"])["producers"]
    assert isinstance(producers, list)
    assert producers[0]["score"] == round(expected, 2)
    assert producers[0]["recent_songs"] == recent


def three_years_ago() -> datetime.date:
    today = datetime.date.today()
    try:
        return today.replace(year=today.year - 3)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 3, day=28)


def test_names_are_listed_in_words(db: Database) -> None:
    """One name, two with "and", four or more cut after three with "and N others"."""
    cases = {
        "{A}": "A",
        "{A,B}": "A and B",
        "{A,B,C}": "A, B and C",
        "{A,B,C,D}": "A, B, C and 1 other",
        "{A,B,C,D,E}": "A, B, C and 2 others",
    }
    for names, words in cases.items():
        row = one(db.execute("SELECT names_in_words(%s::TEXT[]) AS w", (names,)))
        assert row["w"] == words
