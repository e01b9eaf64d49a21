"""The reading room's words, in Vietnamese (the default) and English (``?lang=en``)."""

from __future__ import annotations

LANGUAGES = ("vi", "en")
DEFAULT = "vi"

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"vi": "Phòng đọc — duyệt và sửa dữ liệu", "en": "Reading room — review and correct"},
    "queue": {"vi": "Việc cần duyệt", "en": "Work queue"},
    "search": {"vi": "Tìm kiếm", "en": "Search"},
    "search_placeholder": {"vi": "tìm bài, có dấu hoặc không dấu", "en": "find articles, with or without diacritics"},
    "reviewer": {"vi": "Người duyệt", "en": "Reviewer"},
    "save": {"vi": "Lưu", "en": "Save"},
    "cancel": {"vi": "Hủy", "en": "Cancel"},
    "edit": {"vi": "Sửa", "en": "Edit"},
    "revert": {"vi": "Trả lại giá trị trích xuất", "en": "Back to the extracted value"},
    "confirm": {"vi": "Xác nhận đúng", "en": "Confirm it is right"},
    "keep_correction": {"vi": "Giữ bản sửa", "en": "Keep the correction"},
    "take_extracted": {"vi": "Dùng giá trị mới trích xuất", "en": "Take the new extracted value"},
    "attach": {"vi": "Gắn vào bài", "en": "Attach to article"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "filter": {"vi": "Lọc", "en": "Filter"},
    "all": {"vi": "Tất cả", "en": "All"},
    "folder": {"vi": "Thư mục", "en": "Folder"},
    "year": {"vi": "Năm", "en": "Year"},
    "method": {"vi": "Cách đọc", "en": "Method"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "sort": {"vi": "Sắp xếp", "en": "Sort"},
    "file": {"vi": "Tệp", "en": "File"},
    "what": {"vi": "Vấn đề", "en": "What"},
    "open": {"vi": "Mở", "en": "Open"},
    "nothing_to_review": {"vi": "Không có gì cần duyệt.", "en": "Nothing to review."},
    "items": {"vi": "mục", "en": "items"},
    # queue kinds
    "kind_document": {"vi": "Tài liệu lỗi", "en": "Failed document"},
    "kind_page": {"vi": "Trang cần xem", "en": "Page to check"},
    "kind_article": {"vi": "Bài thiếu dữ liệu", "en": "Article to check"},
    "kind_conflict": {"vi": "Xung đột", "en": "Conflict"},
    "kind_orphan": {"vi": "Bản sửa mồ côi", "en": "Orphaned correction"},
    "status_failed": {"vi": "không đọc được", "en": "failed"},
    "status_partial": {"vi": "đọc được một phần", "en": "partly read"},
    "status_ok": {"vi": "đã đọc", "en": "read"},
    "low_confidence": {"vi": "độ tin cậy OCR thấp", "en": "low OCR confidence"},
    "low_quality": {"vi": "chất lượng văn bản thấp", "en": "low text quality"},
    "page_failed": {"vi": "trang không đọc được", "en": "page not read"},
    "missing": {"vi": "thiếu", "en": "missing"},
    "unsure": {"vi": "chưa chắc", "en": "unsure"},
    "conflict_text": {"vi": "giá trị trích xuất đã đổi dưới bản sửa", "en": "the extracted value changed under the correction"},
    "orphan_text": {"vi": "không còn tìm thấy bài này sau khi đọc lại", "en": "the article is no longer found after a re-read"},
    # fields
    "title": {"vi": "Tiêu đề", "en": "Title"},
    "published_date": {"vi": "Ngày", "en": "Date"},
    "location": {"vi": "Địa điểm", "en": "Venue"},
    "authors": {"vi": "Tác giả", "en": "Authors"},
    "provinces": {"vi": "Tỉnh/thành", "en": "Provinces"},
    "text": {"vi": "Văn bản trang", "en": "Page text"},
    # document view
    "document": {"vi": "Tài liệu", "en": "Document"},
    "page": {"vi": "Trang", "en": "Page"},
    "pages": {"vi": "Các trang", "en": "Pages"},
    "articles": {"vi": "Các bài trên trang này", "en": "Articles on this page"},
    "no_articles": {"vi": "Không có bài nào bắt đầu hay nằm trên trang này.", "en": "No article on this page."},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "reason": {"vi": "Lý do", "en": "Reason"},
    "confidence": {"vi": "độ tin cậy", "en": "confidence"},
    "source": {"vi": "nguồn", "en": "source"},
    "extracted": {"vi": "trích xuất", "en": "extracted"},
    "corrected_by": {"vi": "đã sửa bởi", "en": "corrected by"},
    "was": {"vi": "trước là", "en": "was"},
    "none": {"vi": "(không có)", "en": "(none)"},
    "no_image": {"vi": "Không có ảnh trang", "en": "No page image"},
    "low_words": {"vi": "từ OCR có độ tin cậy thấp được khoanh đỏ", "en": "low-confidence OCR words outlined in red"},
    "in_text": {"vi": "bấm vào một giá trị để thấy nó ở đâu trong văn bản", "en": "click a value to see where it came from"},
    "not_on_page": {"vi": "không thấy trên trang này", "en": "not found on this page"},
    "corrections_here": {"vi": "Bản sửa cần xem lại trong tài liệu này", "en": "Corrections to look at in this document"},
    "history": {"vi": "Lịch sử", "en": "History"},
    "issue": {"vi": "Số", "en": "Issue"},
    "previous": {"vi": "Trang trước", "en": "Previous page"},
    "next": {"vi": "Trang sau", "en": "Next page"},
    "results": {"vi": "kết quả", "en": "results"},
    "no_results": {"vi": "Không tìm thấy bài nào.", "en": "No article matches."},
    "token_required": {"vi": "Cần mã truy cập (in ra khi khởi động).", "en": "An access token is required (printed at start)."},
    "saved": {"vi": "Đã lưu.", "en": "Saved."},
    "unchanged": {"vi": "Không có gì thay đổi.", "en": "Nothing changed."},
    "date_hint": {"vi": "NN/TT/NNNN", "en": "DD/MM/YYYY"},
    "list_hint": {"vi": "cách nhau bằng dấu phẩy", "en": "separated by commas"},
    "applied": {"vi": "đang áp dụng", "en": "applied"},
    "conflict": {"vi": "xung đột", "en": "conflict"},
    "orphaned": {"vi": "mồ côi", "en": "orphaned"},
    "reverted": {"vi": "đã trả lại", "en": "reverted"},
    "now_extracted": {"vi": "trích xuất bây giờ", "en": "extracted now"},
    "then_extracted": {"vi": "trích xuất khi sửa", "en": "extracted when corrected"},
    "source_text": {"vi": "văn bản", "en": "text"},
    "source_text+issue_year": {"vi": "văn bản + năm của số", "en": "text + issue year"},
    "source_issue": {"vi": "ngày của số", "en": "issue date"},
    "source_review": {"vi": "người duyệt", "en": "reviewer"},
    "source_extractor": {"vi": "trình trích xuất", "en": "extractor"},
    "folder_all": {"vi": "mọi thư mục", "en": "every folder"},
}

# What a refused save says, by CorrectionError code; {name}s are its params.
ERRORS: dict[str, dict[str, str]] = {
    "not_a_date": {"vi": "«{value}» không phải là ngày: hãy viết NN/TT/NNNN hoặc NNNN-TT-NN.",
                   "en": "“{value}” is not a date: write it as DD/MM/YYYY or YYYY-MM-DD."},
    "no_such_day": {"vi": "«{value}» không phải là ngày: không có ngày như vậy.",
                    "en": "“{value}” is not a date: there is no such day."},
    "year_out_of_range": {"vi": "«{value}»: năm phải nằm trong khoảng {low}–{high}.",
                          "en": "“{value}”: the year must be between {low} and {high}."},
    "not_a_province": {"vi": "«{value}» không phải là tỉnh/thành phố trong danh mục (hệ 63 tỉnh, vd. «Quảng Ninh», «TP. Hồ Chí Minh»).",
                       "en": "“{value}” is not a province or centrally-run city in the gazetteer (63-province system, "
                             "e.g. “Quảng Ninh”, “TP. Hồ Chí Minh”)."},
    "not_a_name": {"vi": "«{value}» không phải là tên người (không có chữ cái).", "en": "“{value}” is not a name (no letter in it)."},
    "too_long": {"vi": "Dài quá: tối đa {limit} ký tự ({length} đã nhập).", "en": "Too long: at most {limit} characters ({length} given)."},
    "stale": {"vi": "Giá trị đã bị người khác đổi trong lúc bạn sửa; chưa lưu gì. Giá trị hiện tại: «{current}».",
              "en": "Someone changed this value while you were editing; nothing was saved. It is now: “{current}”."},
    "no_reviewer": {"vi": "Hãy nhập tên người duyệt trước khi lưu.", "en": "Enter a reviewer name before saving."},
    "article_gone": {"vi": "Bài này không còn (tài liệu đã được đọc lại): hãy mở lại tài liệu.",
                     "en": "This article is gone (the document was read again): open the document again."},
    "page_gone": {"vi": "Trang này không còn (tài liệu đã được đọc lại).", "en": "This page is gone (the document was read again)."},
    "busy": {"vi": "Kho dữ liệu đang được nạp; chưa lưu gì, hãy thử lại sau ít giây.",
             "en": "The warehouse is being loaded; nothing was saved, try again in a few seconds."},
    "bad_form": {"vi": "Biểu mẫu đã cũ (ứng dụng đã khởi động lại): hãy tải lại trang.",
                 "en": "This form is out of date (the app was restarted): reload the page."},
}


def language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT


def label(key: str, lang: str) -> str:
    entry = LABELS.get(key)
    return entry[lang] if entry else key


def error_message(code: str, lang: str, fallback: str, **params) -> str:
    entry = ERRORS.get(code)
    if not entry:
        return fallback
    try:
        return entry[lang].format(**params)
    except (KeyError, IndexError):
        return fallback
