"""Every phenomenon of the catalogue (docs/metadata.md) on a small article of our own words,
read through the pipeline as a plain-text export, as a born-digital PDF (text layer) and as
300 dpi page scans read by Tesseract (OCR).

On scans the articles are packed several to a page, under the masthead they share, as the
bulletins print them: titles must then be found from the page's geometry and the articles
split. The scanned rendering of every row is slow (about forty pages of OCR) and marked
``slow``; ``test_a_scanned_page_of_articles`` keeps a page of them in the quick run.

Each row: the phenomenon, the headline (line breaks where it wraps), the body, the fields
expected (only those the phenomenon bears on), and options (a masthead above the article).
The people, places and events are invented; the provinces are real.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from pipelines.config import ReadOptions
from pipelines.core.runtime.document import process_document
from pipelines.samples import Block, write_text_pdf

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs" / "metadata.md"

MASTHEAD_2016 = "BẢN TIN THƯ VIỆN TỈNH\nSố 3/2016 - Tháng 9/2016"
MASTHEAD_2015_07 = "THÔNG TIN THƯ VIỆN\nSố 2 (tháng 7/2015)"
MASTHEAD_2017_01 = "BẢN TIN HỘI THƯ VIỆN\nSố 1/2017 - Tháng 1/2017"
FILLER = "Các đại biểu đã trao đổi nhiều ý kiến thiết thực về công tác phục vụ bạn đọc ở cơ sở."

# (phenomenon, title, body, expected, options)
ROWS = [
    # --- headlines and captions ---------------------------------------------------------
    ("title.mixed_case", "Thư viện xã mở góc đọc cho người cao tuổi",
     "Ngày 3/3/2021, Thư viện xã Phú An khai trương góc đọc mới cho các cụ.\n\n" + FILLER + "\n\nTin: Bảo Ngọc",
     {"title": "Thư viện xã mở góc đọc cho người cao tuổi", "authors": ["Bảo Ngọc"]}, {}),
    ("title.upper_case", "TẬP HUẤN PHẦN MỀM QUẢN LÝ THƯ VIỆN",
     "Trong hai ngày 6 và 7/5/2014, gần sáu mươi cán bộ thư viện huyện học cách dùng phần mềm mới.\n\n" + FILLER,
     {"title": "TẬP HUẤN PHẦN MỀM QUẢN LÝ THƯ VIỆN", "date": ("2014-05-06", "day"), "date_end": "2014-05-07"}, {}),
    ("title.wrapped", "HỘI THẢO KHOA HỌC VỀ VỐN TÀI LIỆU\nĐỊA CHÍ CÁC TỈNH MIỀN TRUNG",
     "Ngày 14/9/2018, các thư viện miền Trung cùng bàn về việc sưu tầm tài liệu địa chí.\n\n" + FILLER,
     {"title": "HỘI THẢO KHOA HỌC VỀ VỐN TÀI LIỆU ĐỊA CHÍ CÁC TỈNH MIỀN TRUNG"}, {}),
    ("title.colon_prefix", "Hà Tĩnh: Trao tủ sách cho trường vùng lũ",
     "Thư viện tỉnh vừa trao hai tủ sách cho một trường tiểu học bị ngập trong đợt lũ vừa qua.\n\n" + FILLER,
     {"title": "Hà Tĩnh: Trao tủ sách cho trường vùng lũ", "provinces": ["Hà Tĩnh"], "date": None}, {}),
    ("title.quoted", "Triển lãm ảnh “Mùa gặt trên cao nguyên”",
     "Sáng 12/6/2020, triển lãm ảnh “Mùa gặt trên cao nguyên” mở cửa ở sảnh thư viện.\n\n" + FILLER,
     {"title": "Triển lãm ảnh “Mùa gặt trên cao nguyên”", "date": ("2020-06-12", "day")}, {}),
    ("title.has_date_or_year", "Ngày hội đọc sách năm 2022 ở Bến Lức",
     "Sáng 22/4, học sinh các trường trong huyện đến dự ngày hội đọc sách do thư viện huyện tổ chức.\n\n" + FILLER,
     {"title": "Ngày hội đọc sách năm 2022 ở Bến Lức", "date": ("2022-04-22", "day"),
      "date_source": "text+context_year"}, {}),
    ("title.term_span", "Đại hội Chi hội Thư viện trường nhiệm kỳ 2021 - 2026",
     "Chiều 9/10, tại Hội trường A3, Chi hội Thư viện trường đã tiến hành đại hội với ba mươi hội viên.\n\n" + FILLER,
     {"date": ("2021-10-09", "day"), "date_source": "text+context_year", "venue": "Hội trường A3"}, {}),
    ("title.tai_in_title", "Phiên chợ sách cũ tại Quy Nhơn",
     "Hơn hai nghìn cuốn sách cũ được bày bán và trao đổi trong phiên chợ sách cuối tuần qua.\n\n" + FILLER,
     {"title": "Phiên chợ sách cũ tại Quy Nhơn", "venue": None}, {}),
    ("title.person_name", "Ông Hoàng Minh Tiến tặng thư viện tủ sách gia đình",
     "Tủ sách hơn bốn trăm cuốn của gia đình ông Hoàng Minh Tiến vừa được chuyển về thư viện phường.\n\n" + FILLER,
     {"title": "Ông Hoàng Minh Tiến tặng thư viện tủ sách gia đình", "authors": []}, {}),
    ("title.category_line", "Tin hoạt động\nThư viện huyện nhận sách từ Quỹ khuyến học",
     "Thư viện huyện vừa nhận ba trăm cuốn sách do Quỹ khuyến học huyện trao tặng.\n\n" + FILLER,
     {"title": "Thư viện huyện nhận sách từ Quỹ khuyến học"}, {}),
    ("title.list_date_prefix", "Tập huấn biên mục cho thư viện trường học",
     "05/06/2019\n\nThư viện tỉnh vừa mở lớp tập huấn biên mục cho cán bộ thư viện trường học.\n\n" + FILLER,
     {"title": "Tập huấn biên mục cho thư viện trường học", "date": None}, {}),
    ("title.repeated", "Sách mới về biển đảo",
     "Sách mới về biển đảo\n\nThư viện tỉnh vừa nhập gần hai trăm đầu sách mới về biển đảo quê hương.\n\n" + FILLER,
     {"title": "Sách mới về biển đảo", "body_starts": "Thư viện tỉnh vừa nhập"}, {}),
    ("title.odd_form", "Thư Viện Mở Cửa Cả Ngày Chủ Nhật",
     "Từ ngày 1/7/2020, thư viện tỉnh mở cửa phục vụ bạn đọc cả ngày Chủ nhật.\n\n" + FILLER,
     {"title": "Thư Viện Mở Cửa Cả Ngày Chủ Nhật", "date": ("2020-07-01", "day")}, {}),
    ("caption.leak", "Giao lưu với nhà thơ ở thư viện huyện",
     "anh-giao-luu-2020-05.jpg\n\n- Ảnh 1.\n\nChiều 20/5/2020, tại Thư viện huyện Diên Khánh, nhà thơ Lê Hữu Phát "
     "giao lưu với học sinh.\n\n" + FILLER,
     {"date": ("2020-05-20", "day"), "venue": "Thư viện huyện Diên Khánh"}, {}),
    ("caption.line", "Ngày hội đọc sách ở xã Tân Lập",
     "Quang cảnh buổi lễ\n\nSáng 8/3/2023, tại Nhà văn hóa xã Tân Lập, hơn trăm em nhỏ cùng đọc sách với cha mẹ.\n\n"
     + FILLER,
     {"date": ("2023-03-08", "day"), "venue": "Nhà văn hóa xã Tân Lập"}, {}),
    ("caption.duplicated", "Tủ sách mới ở đồn biên phòng",
     "Bộ đội đọc sách ở đồn.\nBộ đội đọc sách ở đồn.\n\nNgày 2/9/2019, Thư viện tỉnh đưa một tủ sách mới lên đồn "
     "biên phòng Ia Chia.\n\n" + FILLER,
     {"date": ("2019-09-02", "day")}, {}),
    # --- dates -------------------------------------------------------------------------------
    ("date.full_dmy", "Khai trương phòng đọc đa phương tiện",
     "Ngày 14/9/2018, Thư viện tỉnh khai trương phòng đọc đa phương tiện.\n\n" + FILLER,
     {"date": ("2018-09-14", "day"), "date_source": "text"}, {}),
    ("date.words_dmy", "Thư viện huyện được công nhận đạt chuẩn",
     "Ngày 5 tháng 12 năm 2003, Thư viện huyện được công nhận đạt chuẩn.\n\n" + FILLER,
     {"date": ("2003-12-05", "day")}, {}),
    ("date.dots", "Giới thiệu sách về Bác",
     "Ngày 18.10.2019, thư viện giới thiệu bộ sách mới về Chủ tịch Hồ Chí Minh.\n\n" + FILLER,
     {"date": ("2019-10-18", "day"), "provinces": []}, {}),
    ("date.dashes", "Tổng kết luân chuyển sách",
     "Chiều 7-1-2015, thư viện tổng kết một năm luân chuyển sách về các xã.\n\n" + FILLER,
     {"date": ("2015-01-07", "day")}, {}),
    ("date.no_year_issue", "Tặng sách cho điểm trường bản Nà Hiên",
     "Ngày 20/8, đoàn cán bộ thư viện mang sách lên điểm trường bản Nà Hiên.\n\n" + FILLER,
     {"date": ("2016-08-20", "day"), "date_source": "text+issue_year"}, {"masthead": MASTHEAD_2016}),
    ("date.no_year_context", "Thi kể chuyện theo sách",
     "Sáng 21/4, hơn hai trăm học sinh dự Ngày hội đọc sách năm 2017 do thư viện huyện tổ chức.\n\n" + FILLER,
     {"date": ("2017-04-21", "day"), "date_source": "text+context_year"}, {}),
    ("date.no_year_none", "Trưng bày sách về mùa xuân",
     "Ngày 3-2, thư viện trưng bày sách và báo về mùa xuân ở sảnh chính.\n\n" + FILLER,
     {"date": None}, {}),
    ("date.time_of_day", "Đêm thơ ở thư viện",
     "Đêm thơ đã khai mạc tối 12/7/2019 tại Thư viện tỉnh Quảng Trị với nhiều tác giả trẻ.\n\n" + FILLER,
     {"date": ("2019-07-12", "day"), "venue": "Thư viện tỉnh Quảng Trị", "provinces": ["Quảng Trị"]}, {}),
    ("date.weekday", "Giới thiệu sách mới quý IV",
     "Thứ Sáu, ngày 11/10/2013, thư viện trường giới thiệu sách mới cho sinh viên.\n\n" + FILLER,
     {"date": ("2013-10-11", "day")}, {}),
    ("date.hour", "Lễ trao giải cuộc thi vẽ tranh",
     "Vào lúc 14h30 ngày 2/6/2020, ban tổ chức trao giải cho các em vẽ tranh đẹp nhất.\n\n" + FILLER,
     {"date": ("2020-06-02", "day")}, {}),
    ("date.range_same_month", "Lớp bồi dưỡng nghiệp vụ",
     "Từ ngày 10 đến 12/8/2015, lớp bồi dưỡng nghiệp vụ thư viện được tổ chức cho cán bộ xã.\n\n" + FILLER,
     {"date": ("2015-08-10", "day"), "date_end": "2015-08-12"}, {}),
    ("date.range_list_days", "Liên hoan tuyên truyền giới thiệu sách",
     "Trong 3 ngày 8/9, 9/9 và 10/9/2020, các đội thi tranh tài ở liên hoan tuyên truyền giới thiệu sách.\n\n" + FILLER,
     {"date": ("2020-09-08", "day"), "date_end": "2020-09-10"}, {}),
    ("date.range_cross_month", "Tuần lễ sách thiếu nhi",
     "Từ ngày 28/11 đến 2/12/2016, tuần lễ sách thiếu nhi diễn ra ở sân thư viện.\n\n" + FILLER,
     {"date": ("2016-11-28", "day"), "date_end": "2016-12-02"}, {}),
    ("date.trong_n_ngay", "Tập huấn số hóa",
     "Sau 02 ngày làm việc, từ ngày 7 - 8/5/2019, lớp tập huấn số hóa tài liệu đã bế giảng.\n\n" + FILLER,
     {"date": ("2019-05-07", "day"), "date_end": "2019-05-08"}, {}),
    ("date.month_or_quarter", "Luân chuyển sách về cơ sở",
     "Trong tháng 3 năm 2011, thư viện luân chuyển gần năm nghìn cuốn sách về các xã.\n\n" + FILLER,
     {"date": ("2011-03-01", "month")}, {}),
    ("date.year_only", "Một năm phục vụ bạn đọc",
     "Năm 2008, Thư viện huyện đã cấp hơn một nghìn thẻ bạn đọc mới.\n\n" + FILLER,
     {"date": ("2008-01-01", "year")}, {}),
    ("date.none", "Bồi dưỡng cán bộ thư viện cơ sở",
     "Thư viện tỉnh tổ chức lớp bồi dưỡng nghiệp vụ cho cán bộ thư viện cơ sở.\n\n" + FILLER,
     {"date": None, "venue": None}, {}),
    ("date.vua", "Tặng sách cho học sinh nghèo",
     "Thư viện tỉnh vừa trao tặng năm trăm cuốn sách cho học sinh nghèo vượt khó.\n\n" + FILLER,
     {"date": None}, {}),
    ("date.cited_document", "Kiểm tra hoạt động thư viện xã",
     "Thực hiện Kế hoạch số 12/KH-TV ngày 2/3/2022 của Thư viện tỉnh, ngày 15/3/2022, đoàn công tác "
     "đến kiểm tra thư viện các xã.\n\n" + FILLER,
     {"date": ("2022-03-15", "day")}, {}),
    ("date.anniversary_span", "Trưng bày sách về quân đội",
     "Nhân kỷ niệm 70 năm Ngày thành lập Quân đội nhân dân Việt Nam (22/12/1944 - 22/12/2014), sáng 19/12, "
     "thư viện trưng bày gần ba trăm cuốn sách.\n\n" + FILLER,
     {"date": ("2014-12-19", "day"), "date_source": "text+context_year"}, {}),
    ("date.term_span", "Hội Thư viện tỉnh tổng kết nhiệm kỳ",
     "Hội Thư viện tỉnh đã tổng kết nhiệm kỳ 2016-2021 vào ngày 9/4/2021 với sự có mặt của đông đủ hội viên.\n\n"
     + FILLER,
     {"date": ("2021-04-09", "day")}, {}),
    ("date.history", "Thư viện tròn sáu mươi tuổi",
     "Thư viện được thành lập năm 1956 trong một căn nhà nhỏ. Ngày 6/5/2016, thư viện kỷ niệm sáu mươi năm "
     "thành lập.\n\n" + FILLER,
     {"date": ("2016-05-06", "day")}, {}),
    ("date.lunar", "Phục vụ bạn đọc đêm giao thừa",
     "Tối 9/2/2024 (nhằm ngày 30 tháng Chạp năm Quý Mão), thư viện mở cửa đón bạn đọc đến đọc báo Xuân.\n\n" + FILLER,
     {"date": ("2024-02-09", "day")}, {}),
    ("date.event_late", "Trao giải cuộc thi viết về sách",
     "Lễ trao giải cuộc thi viết về sách đã diễn ra tại Thư viện tỉnh Bắc Ninh vào ngày 27/5/2017.\n\n" + FILLER,
     {"date": ("2017-05-27", "day"), "venue": "Thư viện tỉnh Bắc Ninh"}, {}),
    ("date.end_later", "Hội sách mùa đông",
     "Ngày 2/12/2019, hội sách mùa đông khai mạc ở công viên trung tâm.\n\nCó hơn ba mươi gian hàng tham gia. "
     "Hội sách kéo dài đến hết ngày 8/12.\n\n" + FILLER,
     {"date": ("2019-12-02", "day"), "date_end": "2019-12-08"}, {}),
    ("date.labelled", "THÔNG BÁO\nGIỚI THIỆU SÁCH MỚI",
     "Thư viện trường tổ chức buổi giới thiệu sách mới cho sinh viên.\n\nThời gian: 9h00, Thứ Bảy, ngày 16/11/2019.\n"
     "Địa điểm: Phòng đọc thiếu nhi, tầng 1, Thư viện huyện.\n\n" + FILLER,
     {"date": ("2019-11-16", "day"), "venue": "Phòng đọc thiếu nhi, tầng 1, Thư viện huyện"}, {}),
    ("date.announcement", "Sắp diễn ra liên hoan kể chuyện",
     "Liên hoan kể chuyện theo sách của thiếu nhi toàn tỉnh sẽ diễn ra vào ngày 20-7.\n\n" + FILLER,
     {"date": ("2015-07-20", "day"), "date_source": "text+issue_year"}, {"masthead": MASTHEAD_2015_07}),
    ("date.relative_parens", "Giao lưu với tác giả truyện thiếu nhi",
     "15/03/2018 17:05\n\nChiều nay (15/3), tại Thư viện tỉnh Bình Phước, nhà văn Mai Thanh gặp gỡ học sinh.\n\n"
     + FILLER,
     {"date": ("2018-03-15", "day"), "date_source": "text+issue_year", "venue": "Thư viện tỉnh Bình Phước"}, {}),
    ("date.recurring_day", "Hưởng ứng Ngày Sách",
     "Hưởng ứng Ngày Sách và Văn hóa đọc Việt Nam (21/4), sáng 18/4/2023, thư viện mở hội sách cho học sinh.\n\n"
     + FILLER,
     {"date": ("2023-04-18", "day")}, {}),
    ("date.number_in_name", "Đường sách ngày hội",
     "Sáng 26/3/2019, tại Quảng trường 3/2, thành đoàn mở đường sách cho thanh niên.\n\n" + FILLER,
     {"date": ("2019-03-26", "day"), "venue": "Quảng trường 3/2"}, {}),
    ("date.year_conflict", "Tổng kết công tác thư viện năm 2016",
     "Ngày 10/1, Sở Văn hóa tổ chức hội nghị tổng kết công tác thư viện năm 2016.\n\n" + FILLER,
     {"date": ("2017-01-10", "day"), "date_source": "text+issue_year"}, {"masthead": MASTHEAD_2017_01}),
    ("date.multiple_events", "Một tháng trao sách ở vùng cao",
     "Ngày 28.3.2016, đoàn trao sách cho trường bản Lả. Ngày 11.4.2016, đoàn đến bản Xa Dung.\n\n" + FILLER,
     {"date": ("2016-03-28", "day")}, {}),
    ("date.tu_ngay_start", "Thư viện mở cửa buổi tối",
     "Từ ngày 1/6/2018, thư viện mở cửa đến 21 giờ mỗi ngày để phục vụ người đi làm.\n\n" + FILLER,
     {"date": ("2018-06-01", "day")}, {}),
    ("date.odd_form", "Họp mặt cộng tác viên",
     "Ngày 22 tháng 01 năm 2013. Tại hội trường thư viện, các cộng tác viên gặp mặt đầu năm.\n\n" + FILLER,
     {"date": ("2013-01-22", "day")}, {}),
    ("page.posting_line", "Thư viện tặng sách cho trường làng",
     "Thứ Năm, 05/09/2019, 10:15 [GMT+7]\n\nThư viện tỉnh vừa tặng sách cho một trường làng ven biển.\n\n" + FILLER,
     {"date": None}, {}),
    ("page.furniture", "Xe thư viện về bản",
     "Cỡ chữ A A | In bài\n\nSáng 4/11/2021, xe thư viện lưu động về bản Pa Cheo.\n\n" + FILLER
     + "\n\nNgọc Hân\n\nLượt xem: 120",
     {"date": ("2021-11-04", "day"), "authors": ["Ngọc Hân"]}, {}),
    # --- venues ------------------------------------------------------------------------------
    ("venue.tai_named", "Họp Ban Chấp hành Hội",
     "Sáng 5/4/2019, tại Hội trường Thư viện tỉnh Bình Phước, Ban Chấp hành Hội họp phiên thường kỳ.\n\n" + FILLER,
     {"venue": "Hội trường Thư viện tỉnh Bình Phước", "provinces": ["Bình Phước"]}, {}),
    ("venue.before_subject", "Hội thảo thư viện đại học",
     "Ngày 4/5/2012, tại Trường Đại học Đà Lạt, Liên chi hội Thư viện đại học tổ chức hội thảo.\n\n" + FILLER,
     {"venue": "Trường Đại học Đà Lạt"}, {}),
    ("venue.no_comma_clause", "Ký kết hợp tác chia sẻ tài liệu",
     "Sáng 19/9/2019, tại Thư viện Quân đội đã diễn ra lễ ký kết hợp tác chia sẻ tài liệu số.\n\n" + FILLER,
     {"venue": "Thư viện Quân đội"}, {}),
    ("venue.dien_ra", "Hội thảo về thư viện số",
     "Hội thảo về thư viện số đã diễn ra tại Nhà khách Tỉnh ủy vào ngày 6/6/2016.\n\n" + FILLER,
     {"venue": "Nhà khách Tỉnh ủy", "date": ("2016-06-06", "day")}, {}),
    ("venue.province_only", "Giao ban thư viện khu vực",
     "Ngày 2/11/2016, tại Cần Thơ đã diễn ra hội nghị giao ban thư viện khu vực.\n\n" + FILLER,
     {"venue": "Cần Thơ", "provinces": ["Cần Thơ"]}, {}),
    ("venue.city", "Trại sáng tác cho thiếu nhi",
     "Ngày 3/7/2018, tại thành phố Đà Lạt, trại sáng tác cho thiếu nhi bắt đầu.\n\n" + FILLER,
     {"venue": "thành phố Đà Lạt"}, {}),
    ("venue.with_address", "Tập huấn cho cán bộ thư viện trường",
     "Ngày 9/9/2017, tại Trung tâm Hội nghị tỉnh (số 1 Lê Lợi, thành phố Huế), lớp tập huấn khai giảng.\n\n" + FILLER,
     {"venue": "Trung tâm Hội nghị tỉnh (số 1 Lê Lợi, thành phố Huế)"}, {}),
    ("venue.after_date", "Tuần lễ sách",
     "Từ 28/9 đến 2/10/2022, Tuần lễ sách diễn ra tại Đường sách thành phố.\n\n" + FILLER,
     {"venue": "Đường sách thành phố", "date": ("2022-09-28", "day")}, {}),
    ("venue.before_date", "Hội nghị thư viện quốc tế",
     "Hội nghị được tiến hành tại Trung tâm Hội nghị Quốc gia, từ ngày 20/8 đến 22/8/2023.\n\n" + FILLER,
     {"venue": "Trung tâm Hội nghị Quốc gia", "date": ("2023-08-20", "day")}, {}),
    ("venue.tai_event_noun", "Bàn về luật thư viện",
     "Ngày 4/6/2019, các đại biểu thảo luận dự án luật. Tại Hội nghị, nhiều ý kiến đề nghị quan tâm thư viện xã.\n\n"
     + FILLER,
     {"venue": None}, {}),
    ("venue.tai_title", "Trao tặng sách tiếng Nhật",
     "Ông Kenji Sato, Tổng Lãnh sự Nhật Bản tại Đà Nẵng, mới đây đã trao tặng thư viện ba trăm cuốn sách.\n\n" + FILLER,
     {"venue": None}, {}),
    ("venue.tai_not_place", "Thư viện trường học hoạt động hiệu quả",
     "Năm qua, sách được luân chuyển tại các điểm trường. Thầy Vũ Văn Hiển sinh năm 1940 tại Nam Định.\n\n" + FILLER,
     {"venue": None}, {}),
    ("venue.multiple", "Ngày hội đọc sách ba miền",
     "Sáng 2/3/2019, tại Hà Nội, ngày hội đọc sách khai mạc; các điểm khác diễn ra tại Huế và Cần Thơ.\n\n" + FILLER,
     {"venue": "Hà Nội"}, {}),
    ("venue.label", "THÔNG BÁO\nGIAO LƯU ĐỌC SÁCH",
     "Thư viện tổ chức giao lưu đọc sách.\n\nĐịa điểm: Phòng đọc tổng hợp, tầng 2, Thư viện trường.\n\n" + FILLER,
     {"venue": "Phòng đọc tổng hợp, tầng 2, Thư viện trường"}, {}),
    ("venue.online", "Tập huấn trực tuyến",
     "Ngày 14/10/2021, lớp tập huấn được tổ chức trực tuyến cho cán bộ thư viện các huyện.\n\n" + FILLER,
     {"venue": None}, {}),
    ("venue.none", "Sách mới cho thiếu nhi",
     "Thư viện tỉnh giới thiệu một trăm đầu sách mới dành cho thiếu nhi.\n\n" + FILLER,
     {"venue": None}, {}),
    ("venue.generic_or_lowercase", "Ngày hội sách ở thư viện tỉnh",
     "Ngày 20/4/2016, tại thư viện Tổng hợp tỉnh, các em nhỏ cùng đọc sách với cha mẹ.\n\n" + FILLER,
     {"venue": "thư viện Tổng hợp tỉnh"}, {}),
    ("venue.period_splits", "Sách ra đảo",
     "Ngày 5/10/2022, tại huyện đảo Cô Tô, tỉnh Quảng Ninh. Liên hiệp Thư viện tổ chức trao sách cho ngư dân.\n\n"
     + FILLER,
     {"venue": "huyện đảo Cô Tô, tỉnh Quảng Ninh", "provinces": ["Quảng Ninh"]}, {}),
    ("venue.punct_inside", "Hội chợ sách mùa thu",
     "Sáng 2/10/2020, tại Trung tâm Văn hóa - Điện ảnh tỉnh, hội chợ sách mùa thu khai mạc.\n\n" + FILLER,
     {"venue": "Trung tâm Văn hóa - Điện ảnh tỉnh"}, {}),
    ("venue.foreign", "Tặng sách cho cộng đồng người Việt",
     "Ngày 12/5/2018, tại thủ đô Viêng Chăn (Lào), thư viện trao tủ sách cho cộng đồng người Việt.\n\n" + FILLER,
     {"venue": "thủ đô Viêng Chăn (Lào)", "provinces": []}, {}),
    ("venue.not_opening", "Khánh thành tủ sách phường",
     "Tủ sách phường An Phú có hơn một nghìn cuốn. Người dân đóng góp phần lớn số sách. Buổi lễ được tổ chức tại "
     "hội trường Ủy ban nhân dân phường An Phú.\n\n" + FILLER,
     {"venue": "hội trường Ủy ban nhân dân phường An Phú"}, {}),
    # --- bylines and credits -----------------------------------------------------------------
    ("byline.bare_name", "Góc đọc cho công nhân",
     "Công ty vừa mở góc đọc cho công nhân.\n\n" + FILLER + "\n\nNgọc Lan",
     {"authors": ["Ngọc Lan"]}, {}),
    ("byline.bare_caps", "Sách về biển đảo",
     "Thư viện trưng bày sách về biển đảo.\n\n" + FILLER + "\n\nMINH KHÔI",
     {"authors": ["MINH KHÔI"]}, {}),
    ("byline.tin_anh", "Hội thi kể chuyện",
     "Hội thi kể chuyện diễn ra sôi nổi.\n\n" + FILLER + "\n\nBài và ảnh: Lê Văn Tâm",
     {"authors": ["Lê Văn Tâm"], "photo": []}, {}),
    ("byline.tin_or_bai", "Xây dựng văn hóa đọc",
     "Văn hóa đọc cần bắt đầu từ gia đình.\n\n" + FILLER + "\n\nBài: TS. Phạm Văn Hòa",
     {"authors": ["Phạm Văn Hòa"]}, {}),
    ("byline.text_photo_split", "Tủ sách cho bộ đội",
     "Thư viện trao tủ sách cho đơn vị bộ đội.\n\n" + FILLER + "\n\nTin: Hải Yến\nẢnh: Đức Toàn",
     {"authors": ["Hải Yến"], "photo": ["Đức Toàn"]}, {}),
    ("byline.glued", "Gặp mặt bạn đọc thân thiết",
     "Thư viện gặp mặt bạn đọc thân thiết.\n\n" + FILLER + " Buổi gặp mặt kết thúc tốt đẹp.Tin, ảnh: Hoài An",
     {"authors": ["Hoài An"]}, {}),
    ("byline.pv", "Mở cửa xuyên Tết",
     "Thư viện mở cửa phục vụ bạn đọc xuyên Tết.\n\n" + FILLER + "\n\n(PV)",
     {"authors": ["PV"]}, {}),
    ("byline.top", "Phòng đọc cho người khiếm thị",
     "Trần Thị Mỹ Linh\n\nThư viện tỉnh vừa đưa vào phục vụ phòng đọc sách nói cho người khiếm thị.\n\n" + FILLER,
     {"authors": ["Trần Thị Mỹ Linh"]}, {}),
    ("byline.name_org", "Thư viện trường học thân thiện",
     "Nhiều trường đã cải tạo thư viện thành không gian mở.\n\n" + FILLER
     + "\n\nHoàng Thu Trang - Thư viện tỉnh Lạng Sơn",
     {"authors": ["Hoàng Thu Trang"], "provinces": []}, {}),
    ("byline.academic_title", "Thư viện số trong trường đại học",
     "Thư viện số đang thay đổi cách sinh viên học tập.\n\n" + FILLER + "\n\nThS. Đinh Thị Hạnh",
     {"authors": ["Đinh Thị Hạnh"]}, {}),
    ("byline.org_author", "Đại hội chi hội",
     "Chi hội vừa bầu ban chấp hành mới.\n\n" + FILLER + "\n\n__________\n\nTin Thư viện tỉnh Phú Yên",
     {"authors": ["Thư viện tỉnh Phú Yên"]}, {}),
    ("byline.multiple_names", "Phiên chợ sách ở phố đi bộ",
     "Phiên chợ sách thu hút nhiều gia đình.\n\n" + FILLER + "\n\nHải Yến, Minh Tâm",
     {"authors": ["Hải Yến", "Minh Tâm"]}, {}),
    ("byline.initials", "Cuộc thi giới thiệu sách",
     "Cuộc thi giới thiệu sách thu hút nhiều học sinh.\n\n" + FILLER + "\n\nBài: N.T.Hà",
     {"authors": ["N.T.Hà"]}, {}),
    ("byline.other_label", "Thư viện trường tiểu học",
     "Thư viện trường vừa được sửa sang.\n\n" + FILLER + "\n\nNgười đưa tin: Lê Thị Hồng",
     {"authors": ["Lê Thị Hồng"]}, {}),
    ("byline.photo_credit", "Khai mạc triển lãm sách",
     "Lãnh đạo huyện cắt băng khai mạc triển lãm. Ảnh: Văn Khoa\n\nTriển lãm giới thiệu năm trăm cuốn sách.\n\n"
     + FILLER + "\n\nTin: Minh Nguyệt",
     {"authors": ["Minh Nguyệt"], "photo": ["Văn Khoa"]}, {}),
    ("byline.photo_note", "Đọc sách mùa hè",
     "Thư viện mở lớp đọc sách mùa hè.\n\nẢnh minh họa\n\n" + FILLER + "\n\nẢnh: Internet",
     {"photo": [], "authors": []}, {}),
    ("byline.theo", "Thư viện lưu động",
     "Xe thư viện lưu động đã đi qua ba mươi xã.\n\n" + FILLER + "\n\nTheo Báo Bình Dương",
     {"sources": ["Báo Bình Dương"], "authors": [], "provinces": []}, {}),
    ("byline.nguon", "Sách cho trẻ em vùng cao",
     "Hàng nghìn cuốn sách được gửi lên vùng cao.\n\n" + FILLER + "\n\nTin, ảnh: Thu Thủy\nLê An Sưu tầm (https://thuvien.vn)",
     {"sources": ["https://thuvien.vn"], "authors": ["Thu Thủy"]}, {}),
    ("byline.outlet_tag", "Hội sách Xuân",
     "(TTXVN) - Sáng 3/2/2020, hội sách Xuân khai mạc ở công viên.\n\n" + FILLER,
     {"authors": [], "sources": [], "date": ("2020-02-03", "day")}, {}),
    ("byline.none", "Thư viện mở cửa ngày thứ Bảy",
     "Thư viện mở cửa phục vụ bạn đọc cả ngày thứ Bảy.\n\n" + FILLER,
     {"authors": []}, {}),
    ("byline.other_credit", "Câu chuyện của người giữ sách",
     "Ông giữ tủ sách của làng hơn hai mươi năm.\n\n" + FILLER + "\n\nBài, ảnh: Lâm Hoài\nThiết kế: Thu Hà",
     {"authors": ["Lâm Hoài"]}, {}),
    ("byline.end_mark", "Phục vụ sách cho nông dân",
     "Thư viện đưa sách về các thôn.\n\n" + FILLER + " Sách đã đến tận tay bà con./.\n\nHồng Hạnh",
     {"authors": ["Hồng Hạnh"]}, {}),
    ("byline.pen_name", "Tủ sách ở bến sông",
     "Một tủ sách nhỏ được đặt ở bến đò.\n\n" + FILLER + "\n\nSông Lam",
     {"authors": ["Sông Lam"]}, {}),
    # --- provinces ---------------------------------------------------------------------------
    ("prov.in_institution", "Thư viện mở rộng kho sách",
     "Thư viện tỉnh Đồng Nai vừa mở rộng kho sách.\n\n" + FILLER,
     {"provinces": ["Đồng Nai"], "provinces_2025": ["Đồng Nai"]}, {}),
    ("prov.named", "Sách lên vùng cao",
     "Đoàn công tác mang sách lên các huyện vùng cao của tỉnh Gia Lai.\n\n" + FILLER,
     {"provinces": ["Gia Lai"]}, {}),
    ("prov.abbrev", "Liên kết thư viện phía Nam",
     "Thư viện các trường ở TP.HCM và tỉnh BR-VT ký thỏa thuận chia sẻ tài liệu.\n\n" + FILLER,
     {"provinces": ["Hồ Chí Minh", "Bà Rịa - Vũng Tàu"], "provinces_2025": ["Hồ Chí Minh"]}, {}),
    ("prov.variant_spelling", "Sách cho Tây Nguyên",
     "Thư viện gửi sách tới Kontum và Đắc Lắc.\n\n" + FILLER,
     {"provinces": ["Kon Tum", "Đắk Lắk"]}, {}),
    ("prov.parens_after_district", "Tủ sách ở xã miền núi",
     "Tủ sách mới được đặt tại xã Hương Điền, huyện Vũ Quang (Hà Tĩnh).\n\n" + FILLER,
     {"provinces": ["Hà Tĩnh"]}, {}),
    ("prov.list", "Liên hiệp thư viện miền núi",
     "Liên hiệp gồm Lào Cai, Yên Bái, Hà Giang và Tuyên Quang.\n\n" + FILLER,
     {"provinces": ["Lào Cai", "Yên Bái", "Hà Giang", "Tuyên Quang"],
      "provinces_2025": ["Lào Cai", "Tuyên Quang"]}, {}),
    ("prov.city_same_name", "Hội sách ở thành phố",
     "Hội sách đầu tiên của thành phố Sơn La mở cửa cuối tuần.\n\n" + FILLER,
     {"provinces": ["Sơn La"]}, {}),
    ("prov.hcm_not_place", "Sách về Bác",
     "Thư viện trưng bày sách về Chủ tịch Hồ Chí Minh và chiến dịch Hồ Chí Minh.\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.battle", "Sách về những trận đánh lớn",
     "Tủ sách kể về chiến thắng Điện Biên Phủ và trận Bạch Đằng.\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.person_name", "Em học sinh đọc nhiều sách nhất",
     "Em Lê Thái Bình và em Nguyễn Thị Huế được khen thưởng.\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.named_after_person", "Thư viện trên đường phố",
     "Tủ sách công cộng đặt trên đường Nguyễn Thái Bình.\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.subunit_like_province", "Tủ sách vùng biển",
     "Tủ sách được đặt ở huyện Quảng Ninh, tỉnh Quảng Bình và ở TP. Vũng Tàu.\n\n" + FILLER,
     {"provinces": ["Quảng Bình"]}, {}),
    ("prov.foreign_or_ocean", "Hội thảo thư viện khu vực",
     "Hội thảo quy tụ thư viện khu vực châu Á - Thái Bình Dương và tỉnh Quảng Tây (Trung Quốc).\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.unnamed_tinh", "Thư viện tỉnh đón đoàn",
     "Thư viện tỉnh đón đoàn cán bộ sang học tập kinh nghiệm.\n\n" + FILLER,
     {"provinces": []}, {}),
    ("prov.in_credit_only", "Ngày hội đọc sách",
     "Ngày hội đọc sách thu hút nhiều học sinh.\n\n" + FILLER + "\n\nTheo Báo Thái Bình",
     {"provinces": [], "sources": ["Báo Thái Bình"]}, {}),
    ("prov.after_2025", "Ba cơ sở thư viện cùng mở cửa",
     "Thư viện tỉnh Lâm Đồng (cơ sở 2, phường Phan Thiết) mở cửa cả ngày Chủ nhật.\n\n" + FILLER,
     {"provinces": ["Lâm Đồng"], "provinces_2025": ["Lâm Đồng"]}, {}),
    # --- second cases of forms the first ones leave out ---------------------------------------
    ("venue.with_address", "Kể chuyện sách cho thiếu nhi",
     "Chiều 6/6/2019, tại thư viện huyện, số 12 Trần Phú, nhân dịp hè, các em nhỏ nghe kể chuyện sách.\n\n" + FILLER,
     {"venue": "thư viện huyện, số 12 Trần Phú"}, {}),
    ("venue.with_address", "Tọa đàm về sách điện tử",
     "Sáng 9/10/2020, tại Phòng hội thảo tầng 5, nhà B2, Khoa Thư viện tổ chức tọa đàm về sách điện tử.\n\n" + FILLER,
     {"venue": "Phòng hội thảo tầng 5, nhà B2"}, {}),
    ("venue.multiple", "Ba đêm thơ cùng một tối",
     "Tối 5-4-2019, tại Hà Nội, Hải Phòng và Cần Thơ, ba đêm thơ cùng mở màn cho tuần lễ đọc sách.\n\n" + FILLER,
     {"venue": "Hà Nội, Hải Phòng và Cần Thơ"}, {}),
    ("venue.punct_inside", "Gặp mặt hội viên đầu năm",
     "Buổi gặp mặt đã diễn ra tại Nhà khách 36 - Lê Lợi vào ngày 8/1/2021 với năm mươi hội viên.\n\n" + FILLER,
     {"venue": "Nhà khách 36 - Lê Lợi", "date": ("2021-01-08", "day")}, {}),
    ("byline.nguon", "Sách nói cho người khiếm thị",
     "Thư viện vừa phát hành thêm hai trăm đầu sách nói.\n\n" + FILLER + "\n\nMinh Châu Theo baovanhoa.vn",
     {"authors": ["Minh Châu"], "sources": ["baovanhoa.vn"]}, {}),
    ("page.furniture", "Hội thi vẽ tranh theo sách",
     "Sáng 1/6/2022, hội thi vẽ tranh theo sách thu hút ba trăm em nhỏ.\n\n" + FILLER
     + "\n\nKim Ngân\n\nThời tiết\nThống kê truy cập\nViews: 12",
     {"date": ("2022-06-01", "day"), "authors": ["Kim Ngân"]}, {}),
    ("byline.org_author", "Bạn đọc nhỏ ở phòng đọc thiếu nhi",
     "Phòng đọc thiếu nhi đón hơn hai nghìn lượt bạn đọc trong tháng hè.\n\n" + FILLER
     + "\n\nTin, ảnh: nhóm Thông tin - Truyền thông",
     {"authors": ["nhóm Thông tin - Truyền thông"]}, {}),
    ("byline.other_label", "Trưng bày báo Xuân",
     "Thư viện trưng bày gần một trăm tờ báo Xuân.\n\n" + FILLER + "\n\nTác giả: thuvienhuyen",
     {"authors": ["thuvienhuyen"]}, {}),
    ("byline.top", "Vai trò của thư viện trường phổ thông",
     "Đỗ Thị Thanh Vân\nGiảng viên Khoa Thông tin - Thư viện, Trường Đại học Cần Thơ\n\n"
     "Thư viện trường phổ thông là nơi các em tập thói quen đọc từ nhỏ.\n\n" + FILLER,
     {"authors": ["Đỗ Thị Thanh Vân"], "provinces": []}, {}),
    ("date.cited_document", "Hội nghị về thư viện cơ sở",
     "Thực hiện Công văn số 45/SVHTTDL-QLVH, ngày 3/4/2021, tại Nhà văn hóa huyện, Phòng Văn hóa tổ chức hội nghị.\n\n"
     + FILLER,
     {"date": ("2021-04-03", "day"), "venue": "Nhà văn hóa huyện"}, {}),
    ("date.cited_document", "Chuẩn bị liên hoan kể chuyện",
     "Kế hoạch liên hoan được ký ngày 10/3/2022. Ngày 20/5/2022, đội tuyển của huyện bắt đầu tập luyện.\n\n" + FILLER,
     {"date": ("2022-05-20", "day")}, {}),
    ("date.tu_ngay_start", "Phòng đọc mở cửa trở lại",
     "Thư viện xin thông báo:\n- Phòng đọc thiếu nhi được mở lại từ ngày 2/3/2022.\n- Giờ phục vụ không đổi.\n\n"
     + FILLER,
     {"date": ("2022-03-02", "day")}, {}),
    ("page.posting_line", "Kỷ niệm ba mươi năm thành lập thư viện",
     "Thứ Hai, 14/07/2025, 09:10 [GMT+7]\n\nSáng 5/9, thư viện kỷ niệm 30 năm thành lập (5/9/1988 - 5/9/2018) với "
     "nhiều thế hệ cán bộ.\n\n" + FILLER,
     {"date": ("2018-09-05", "day"), "date_source": "text+context_year"}, {}),
    ("title.list_date_prefix", "12/03/2020 Thư viện tỉnh tập huấn nghiệp vụ",
     "Thư viện tỉnh vừa mở lớp tập huấn nghiệp vụ cho cán bộ thư viện huyện.\n\n" + FILLER,
     {"title": "Thư viện tỉnh tập huấn nghiệp vụ"}, {}),
    # --- body --------------------------------------------------------------------------------
    ("body.people", "Gặp mặt đầu xuân",
     "Phát biểu tại buổi gặp mặt, bà Nguyễn Thị Hoa, Giám đốc thư viện, cảm ơn các cộng tác viên.\n\n" + FILLER,
     {"authors": []}, {}),
    ("body.sapo_subheading", "Thư viện đổi mới cách phục vụ",
     "Thư viện tỉnh thay đổi cách phục vụ bạn đọc.\n\nNhiều dịch vụ mới\n\n" + FILLER + "\n\nTin: Kim Chi",
     {"authors": ["Kim Chi"]}, {}),
    ("body.duplicated", "Đón đoàn học sinh",
     "Ngày 7/4/2015, thư viện đón đoàn học sinh đến tham quan.\n\nNgày 7/4/2015, thư viện đón đoàn học sinh đến "
     "tham quan.\n\n" + FILLER,
     {"date": ("2015-04-07", "day")}, {}),
    ("body.encoding", "Tặng sách cho thư viện tỉnh",
     "Ðoàn cán bộ đã trao sách cho Thư viện tỉnh Ðồng Tháp.\n\n" + FILLER,
     {"provinces": ["Đồng Tháp"]}, {}),
]


def _blocks(title: str, body: str, masthead: str | None) -> list[Block]:
    from pipelines.samples import _is_byline

    blocks = [Block(masthead, "masthead")] if masthead else []
    blocks.append(Block(title, "title"))
    for line in body.split("\n"):
        if line.strip():
            blocks.append(Block(line.strip(), "byline" if _is_byline(line.strip()) else "body"))
    return blocks


def _read(rendering: str, title: str, body: str, options: dict, folder: Path):
    masthead = options.get("masthead")
    if rendering == "text":
        path = folder / "article.txt"
        path.write_text("\n\n".join(([masthead] if masthead else []) + [title, body]) + "\n", encoding="utf-8")
        media_type = "text/plain"
    else:
        path = write_text_pdf(folder / "article.pdf", [_blocks(title, body, masthead)])
        media_type = "application/pdf"
    result = process_document(path, "doc", media_type, ReadOptions())
    assert result.status == "ok", result.error
    return result.articles


def _fields(article) -> dict:
    dated = article.published_date is not None and article.date_source != "issue"
    return {
        "title": article.title,
        "body_starts": article.body[:22],
        "date": (article.published_date.isoformat(), article.date_precision) if dated else None,
        "date_end": article.date_end.isoformat() if dated and article.date_end else None,
        "date_source": article.date_source if dated else None,
        "venue": article.location,
        "authors": article.authors,
        "photo": [p.name for p in article.people if p.role == "photo"],
        "sources": [p.name for p in article.people if p.role == "source"],
        "provinces": [p.province_name_legacy for p in article.places if p.province_name_legacy],
        "provinces_2025": sorted({p.province_name_2025 for p in article.places if p.province_name_2025}),
    }


@pytest.mark.parametrize("rendering", ["text", "pdf"])
@pytest.mark.parametrize("phenomenon, title, body, expected, options", ROWS, ids=[row[0] for row in ROWS])
def test_phenomenon(rendering, phenomenon, title, body, expected, options, tmp_path):
    (article,) = _read(rendering, title, body, options, tmp_path)
    found = _fields(article)
    for field, value in expected.items():
        if field == "body_starts":
            assert found[field].startswith(value), (phenomenon, found)
            continue
        if field == "provinces_2025":
            value = sorted(value)
        assert found[field] == value, (phenomenon, field, found)


# -- OCR ------------------------------------------------------------------------------------

OCR_TITLE_TOLERANCE = 0.05  # share of a title's letters OCR may misread (tone marks apart)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _letters(text: str) -> str:
    """Text without its tone and vowel marks: Tesseract misreads them on headings in capitals
    ("TẬP HUẦN" for "TẬP HUẤN"), while finding the heading is what is tested here."""
    decomposed = unicodedata.normalize("NFD", _fold(text).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _close(found: str | None, expected: str | None) -> bool:
    if not found or not expected:
        return found == expected
    a, b = _letters(found), _letters(expected)
    return Levenshtein.distance(a, b) <= OCR_TITLE_TOLERANCE * len(b)


def _scanned_articles(rows: list[tuple], folder: Path) -> dict[int, dict]:
    """The rows packed as scanned bulletins (one per masthead, in order), read by OCR; the
    fields found for each row (by its index in ``rows``), matched by its headline, else by its
    opening words."""
    from pipelines.samples import paginate, write_scanned_pdf

    groups: dict[str | None, list[tuple[int, tuple]]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row[4].get("masthead"), []).append((index, row))
    found: dict[int, dict] = {}
    for number, (masthead, members) in enumerate(groups.items()):
        blocks = []
        for position, (_, (_, title, body, _, _)) in enumerate(members):
            blocks += _blocks(title, body, masthead if position == 0 else None)
        path = write_scanned_pdf(folder / f"scan-{number}.pdf", paginate(blocks), dpi=300)
        result = process_document(path, f"scan-{number}", "application/pdf", ReadOptions())
        assert result.status == "ok", result.error
        for index, (phenomenon, title, body, expected, _) in members:
            headline = expected.get("title", title.split("\n")[-1])
            article = next((a for a in result.articles if _close(a.title, headline)), None)
            if article is None:
                opening = _fold(body).split()[:12]
                article = max(result.articles, key=lambda a: sum(w in _fold(a.body) for w in opening))
            found[index] = _fields(article)
    return found


def _check_scanned(phenomenon: str, expected: dict, found: dict) -> None:
    for field, value in expected.items():
        if field == "title":
            assert _close(found["title"], value), (phenomenon, found)
        elif field == "body_starts":
            assert _fold(found[field]).startswith(_fold(value)[:12]), (phenomenon, found)
        elif field == "provinces_2025":
            assert found[field] == sorted(value), (phenomenon, field, found)
        else:
            assert found[field] == value, (phenomenon, field, found)


# A page's worth of rows read by OCR in the quick run: headlines in mixed case, in capitals,
# wrapped, with a colon and quotes, several articles on one page, bylines and dates.
QUICK_SCAN = (
    "title.mixed_case", "title.upper_case", "title.wrapped", "title.colon_prefix", "title.quoted",
    "date.range_list_days", "venue.tai_named", "byline.bare_caps",
)


def test_a_scanned_page_of_articles(tmp_path):
    rows = [row for row in ROWS if row[0] in QUICK_SCAN]
    found = _scanned_articles(rows, tmp_path)
    for index, (phenomenon, _, _, expected, _) in enumerate(rows):
        _check_scanned(phenomenon, expected, found[index])


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    return _scanned_articles(ROWS, tmp_path_factory.mktemp("scans"))


# Rows not yet right when all of them are read as one long scanned bulletin (they are right as
# text, as PDF and, for the headlines, on the quick scanned page): the first articles' headlines
# are lost to the page's geometry there (not yet understood), and a short line above the lead
# (a list page's date, a byline at the top) is joined to the lead's first line. Kept visible,
# not hidden.
SCAN_KNOWN_MISSES = {
    "title.mixed_case", "title.upper_case", "title.wrapped", "title.colon_prefix", "title.quoted",
    "title.has_date_or_year", "title.term_span", "title.repeated", "venue.city", "byline.photo_credit",
    "title.list_date_prefix", "byline.top",
    # since Tesseract runs in-process on the page's own image (issue 14) this bulletin reads a
    # little differently: a posting line joins the next article (its year taken from there) and
    # one closing byline is lost; venue.city and title.list_date_prefix now pass
    "page.posting_line", "body.sapo_subheading",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "index, phenomenon, expected",
    [
        pytest.param(i, row[0], row[3], marks=[pytest.mark.xfail(reason="long scanned bulletin", strict=False)]
                     if row[0] in SCAN_KNOWN_MISSES else [])
        for i, row in enumerate(ROWS)
    ],
    ids=[row[0] for row in ROWS],
)
def test_phenomenon_on_scans(index, phenomenon, expected, scanned):
    _check_scanned(phenomenon, expected, scanned[index])


def _catalogue_names() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", CATALOGUE.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_catalogued_phenomenon_has_a_case():
    names = _catalogue_names()
    assert len(names) >= 100
    assert names == {row[0] for row in ROWS}
