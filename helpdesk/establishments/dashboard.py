"""The console's dashboard (guide §2) from a school's accounts counted by the directory
(`SchoolSummary`): accounts by state, key figures, reports « à traiter », compromised accounts;
each figure with the filters of its list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from helpdesk.accounts.school_health import RosterEntry
from helpdesk.accounts.school_summary import SchoolSummary, SummaryGroup

# The chart's order and words (guide §2 « États des comptes »).
STATE_ORDER = ("active", "en_cours_activation", "non_active_informe", "non_active_non_informe")
STATE_LABELS = {
    "active": "Comptes actifs",
    "en_cours_activation": "Comptes en cours d'activation",
    "non_active_informe": "Comptes non actifs et informés",
    "non_active_non_informe": "Comptes non actifs et non informés",
}
POPULATIONS = {"responsables": "responsable", "eleves": "eleve"}
POPULATION_LABELS = {"responsables": "Responsables d'élève", "eleves": "Élèves"}


def priority(entry: RosterEntry | SummaryGroup) -> bool:
    """« À informer en priorité » (guide §2): never informed and without a mobile, so unable
    to create the account alone by auto-inscription or FranceConnect (guide 1.1): only the
    school's letter or mail will give them an account."""
    return (
        entry.kind == "responsable"
        and entry.state_code == "non_active_non_informe"
        and entry.mobile_state == "absent"
    )


def connected_since(entry: RosterEntry, since: dt.date) -> bool:
    return bool(entry.last_login_at) and dt.date.fromisoformat(entry.last_login_at[:10]) >= since


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    filters: dict  # the list's query parameters
    percent: float = 0.0


@dataclass
class PopulationBoard:
    code: str  # responsables | eleves
    label: str
    total: int
    states: list = field(default_factory=list)  # [Figure], STATE_ORDER
    key_figures: list = field(default_factory=list)  # [Figure]
    to_treat: list = field(default_factory=list)  # [Figure] (responsables)
    compromised: Figure | None = None


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def population_board(code: str, groups: list[SummaryGroup]) -> PopulationBoard:
    def count(test) -> int:
        return sum(g.count for g in groups if test(g))

    total = count(lambda g: True)
    board = PopulationBoard(code, POPULATION_LABELS[code], total)
    base = {"public": code}
    for state in STATE_ORDER:
        n = count(lambda g: g.state_code == state)  # noqa: B023 (used at once)
        board.states.append(
            Figure(STATE_LABELS[state], n, base | {"etat": state}, percent(n, total))
        )
    one, many = ("responsable", "responsables") if code == "responsables" else ("élève", "élèves")

    def figure(test, filters: dict, singular: str, plural: str) -> Figure:
        """A key figure, its words agreeing with its number (« 1 élève connecté »)."""
        n = count(test)
        return Figure(singular if abs(n) < 2 else plural, n, base | filters)

    board.key_figures = [
        figure(
            lambda g: True,
            {},
            f"{one} dans l'administration des comptes",
            f"{many} dans l'administration des comptes",
        ),
        figure(
            lambda g: g.connected,
            {"connexion": "depuis_rentree"},
            f"{one} connecté depuis la rentrée",
            f"{many} connectés depuis la rentrée",
        ),
    ]
    if code == "responsables":
        board.key_figures.append(
            figure(
                lambda e: e.mobile_state == "confirme",
                {"portable": "confirme"},
                f"{one} ayant confirmé son téléphone portable",
                f"{many} ayant confirmé leur téléphone portable",
            )
        )
    board.key_figures += [
        figure(
            lambda e: e.mail_state == "confirmee",
            {"mail": "confirmee"},
            f"{one} ayant confirmé son adresse mail",
            f"{many} ayant confirmé leur adresse mail",
        ),
        figure(
            lambda e: e.mail_state == "en_erreur",
            {"mail": "en_erreur"},
            f"{one} ayant son adresse mail en erreur",
            f"{many} ayant leur adresse mail en erreur",
        ),
    ]
    if code == "responsables":
        board.key_figures.append(
            figure(
                priority,
                {"priorite": "1"},
                f"{one} à informer en priorité",
                f"{many} à informer en priorité",
            )
        )
        board.to_treat = [
            figure(
                lambda e: "rattachement_signale_errone" in e.flags,
                {"a_traiter": "rattachement"},
                "lien élève en erreur",
                "liens élèves en erreur",
            ),
            figure(
                lambda e: "date_naissance_signalee_incorrecte" in e.flags,
                {"a_traiter": "date_naissance"},
                "date de naissance incorrecte",
                "dates de naissance incorrectes",
            ),
        ]
    board.compromised = figure(
        lambda e: "compromis" in e.flags,
        {"compromis": "1"},
        "mot de passe modifié pour des raisons de sécurité",
        "mots de passe modifiés pour des raisons de sécurité",
    )
    return board


@dataclass
class Dashboard:
    roster: SchoolSummary  # the school: uai, name, académie
    rentree: dt.date
    updated_at: dt.datetime | None
    boards: list  # [PopulationBoard]


def dashboard(summary: SchoolSummary) -> Dashboard:
    """The boards of a summary counted since the rentrée (`school_year_start`)."""
    boards = [
        population_board(code, [g for g in summary.groups if g.kind == kind])
        for code, kind in POPULATIONS.items()
    ]
    updated = (
        dt.datetime.fromisoformat(summary.directory_updated_at)
        if summary.directory_updated_at
        else None
    )
    return Dashboard(summary, dt.date.fromisoformat(summary.since), updated, boards)
