"""Writes symcnn/_parser_tables.json, Lark's analysis of symcnn.lark that the package
loads instead of analysing the grammar at every start. Run it after editing the
grammar or upgrading Lark (tests/test_grammar_tables.py fails until then):

    python grammar/make_tables.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symcnn import _syntax  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "symcnn" / _syntax.TABLES
    target.write_text(_syntax.tables_json(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
