"""Turn a report's Word file into a PDF with LibreOffice, when the server has it.

A PDF is what gets printed, mailed or shown on a screen unchanged; the Word file is what gets
edited. Writing the PDF from the very same .docx (instead of drawing it a second way) means the
two never disagree. LibreOffice runs headless in its own temporary directory with a throwaway
profile, so two officials converting at once do not collide over one profile (LibreOffice
refuses to start a second instance on a profile in use), and is killed when it hangs. The fonts
the Word file names (仿宋, 黑体…) are absent on a Linux server; ``reports/fonts.conf`` maps them to
Noto CJK for the LibreOffice child only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from core.errors import TongxinError

FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"
# The names LibreOffice's launcher has on Debian, Kylin and UOS (libreoffice-writer-nogui ships
# both); the first found is used.
EXECUTABLES = ("soffice", "libreoffice")
# The last characters of LibreOffice's output quoted in an error: enough to name the problem.
DETAIL_MAX = 300


class PdfError(TongxinError):
    """The PDF could not be made: LibreOffice missing, failing or too slow.

    The message says what to do instead (download the Word file and save it as PDF in WPS or
    Word) and what the administrator can install.
    """


def soffice() -> str | None:
    """Return the path of LibreOffice's ``soffice`` (or ``libreoffice``) on PATH, or None."""
    for name in EXECUTABLES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_available() -> bool:
    """Return whether a PDF can be made here (LibreOffice is installed)."""
    return soffice() is not None


def docx_to_pdf(docx: bytes, *, timeout: float = 120) -> bytes:
    """Return the PDF of a .docx file, converted by LibreOffice.

    Parameters
    ----------
    docx : bytes
        The Word file (:func:`reports.word.docx_bytes`).
    timeout : float
        Seconds to wait; LibreOffice and everything it started is then killed. A first run
        builds the throwaway profile and takes a few seconds more than later ones.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    PdfError
        ``report.pdf_missing`` when LibreOffice is not installed, ``report.pdf_timeout``
        when it took longer than ``timeout``, ``report.pdf_failed`` when it exited with an
        error or wrote no PDF.
    """
    exe = soffice()
    if exe is None:
        raise PdfError("report.pdf_missing")
    with tempfile.TemporaryDirectory(prefix="tongxin-pdf-") as tmp:
        work = Path(tmp)
        source = work / "report.docx"
        source.write_bytes(docx)
        out_dir = work / "out"
        command = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck",
            "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(out_dir),
            str(source),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
        # A session of its own, so that a timeout kills soffice.bin and its helpers too, not
        # only the launcher script.
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, cwd=tmp,
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise PdfError("report.pdf_timeout", seconds=round(timeout)) from None
        pdf = out_dir / "report.pdf"
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            text = output.decode("utf-8", "replace").strip()
            detail = text[-DETAIL_MAX:] if text else f"exit status {proc.returncode}"
            raise PdfError("report.pdf_failed", detail=detail)
        return pdf.read_bytes()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc``'s whole process group and reap it."""
    # It may have ended between the timeout and the kill: then there is nothing left to stop.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
