"""What to tell a researcher about a file type Cesou does not read, and how to convert it.

Legacy Word (.doc), WPS (.wps) and OFD (GB/T 33190) have no light, maintained Python reader:
the lab found antiword/catdoc lose every automatic label (第一条, （一）) and LibreOffice costs
about 250 MB, so Cesou asks for a conversion instead of indexing a document with wrong ids.
"""
from __future__ import annotations

# suffix → what to do, shown after the file name
CONVERSIONS = {
    ".doc": "旧版 Word 文件（.doc）不直接支持：请用 Word 或 WPS 打开后另存为 .docx，"
            "或运行 soffice --headless --convert-to docx 文件.doc",
    ".wps": "WPS 文字文件（.wps）不直接支持：请用 WPS 打开后另存为 .docx（或导出 PDF）",
    ".ofd": "OFD 版式文件不直接支持：请用数科阅读器、福昕等 OFD 阅读器导出为 PDF 后再放入",
    ".rtf": "RTF 文件不直接支持：请用 Word 或 WPS 另存为 .docx",
    ".xls": "表格文件不是公文正文，已跳过", ".xlsx": "表格文件不是公文正文，已跳过",
    ".et": "表格文件不是公文正文，已跳过",
    ".jpg": "图片没有文本层：请 OCR 后保存为 .txt，或合成带文本层的 PDF",
    ".jpeg": "图片没有文本层：请 OCR 后保存为 .txt，或合成带文本层的 PDF",
    ".png": "图片没有文本层：请 OCR 后保存为 .txt，或合成带文本层的 PDF",
    ".tif": "图片没有文本层：请 OCR 后保存为 .txt，或合成带文本层的 PDF",
    ".zip": "压缩包不会自动解开：请解压后把其中的文件放入语料库",
    ".rar": "压缩包不会自动解开：请解压后把其中的文件放入语料库",
}


def unsupported(suffix: str, supported: list[str]) -> str:
    """The message for a file of an unsupported type: how to convert it, or what is read."""
    advice = CONVERSIONS.get(suffix.lower())
    if advice:
        return advice
    return (f"不支持的文件类型 {suffix or '（无扩展名）'}；"
            f"可收录的类型：{'、'.join(supported)}")
