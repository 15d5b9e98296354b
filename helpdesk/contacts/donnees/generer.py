"""Writes communes.tsv and departements.tsv beside this file from the npm package
@etalab/decoupage-administratif (data: Licence Ouverte 2.0, INSEE's Code officiel géographique and
La Poste's base officielle des codes postaux; code: MIT).

Run once for each new vintage of the package, then commit the two files:

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-*.tgz
    python helpdesk/contacts/donnees/generer.py /tmp/package/data
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
KINDS = {"commune-actuelle", "commune-deleguee", "commune-associee"}  # not Paris's arrondissements


def main(data: Path) -> None:
    communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
    departements = json.loads((data / "departements.json").read_text(encoding="utf-8"))
    rows: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for commune in communes:
        if commune["type"] not in KINDS:
            continue
        key = (commune["nom"], commune["departement"])
        population, postcodes = rows.get(key, (0, set()))
        rows[key] = (
            max(population, commune.get("population") or 0),
            postcodes | set(commune.get("codesPostaux", [])),
        )
    lines = [
        f"{nom}\t{dep}\t{population or ''}\t{' '.join(sorted(postcodes))}"
        for (nom, dep), (population, postcodes) in sorted(
            rows.items(), key=lambda r: (r[0][1], r[0][0])
        )
    ]
    header = "# nom\tdépartement\tpopulation\tcodes postaux\n"
    (HERE / "communes.tsv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "departements.tsv").write_text(
        "# code\tnom\n" + "".join(f"{d['code']}\t{d['nom']}\n" for d in departements),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
