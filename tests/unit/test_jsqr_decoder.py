"""The camera fallback where the browser has no BarcodeDetector: the vendored jsQR decoder reads
a report's QR code, drawn as the report draws it, back to the exact signed text (in Node)."""

import json
import shutil
import subprocess
from pathlib import Path

from fieldcheck import signing
from fieldcheck.domain import qr
from tests.helpers import qr_image

JSQR = Path(__file__).resolve().parent.parent.parent / "static" / "vendor" / "jsqr-1.4.0.js"


def test_jsqr_reads_a_report_code_back_exactly(tmp_path):
    assert shutil.which("node"), "Node.js is needed to run the browser's decoder here"
    signing.create_key(tmp_path)
    kid, key = signing.active_signing_key(tmp_path)
    from datetime import date

    text = qr.sign_report(
        {
            "report_id": "6f1c1f7e-5d0a-4b6e-9d2b-2a6b8c1e0f3d",
            "application_number": "2026-BDG-000123",
            "decision": "V",
            "office": "KANIM-BDG",
            "issued": date(2026, 11, 2),
            "expires": date(2027, 5, 1),
            "digest": b"\x01" * 16,
        },
        key,
        kid,
    )
    image = qr_image(qr.make_qr_svg(text), scale=4).convert("RGBA")
    raw = tmp_path / "code.rgba"
    raw.write_bytes(image.tobytes())
    script = tmp_path / "read.cjs"
    script.write_text(
        f"const jsQR = require({json.dumps(str(JSQR))});\n"
        f"const data = new Uint8ClampedArray(require('fs').readFileSync({json.dumps(str(raw))}));\n"
        f"const found = jsQR(data, {image.width}, {image.height});\n"
        "console.log(JSON.stringify(found ? found.data : null));\n"
    )
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == text
