"""A short bulletin page in our own words, for the photographed-page tests (known text, CER)."""

from pipelines.samples import Block

BLOCKS = [
    Block("BẢN TIN THƯ VIỆN VÙNG ĐỒI", "masthead"),
    Block("Câu lạc bộ đọc sách mùa hè ở xã Tân Hòa", "title"),
    Block(
        "Sáng thứ bảy tuần trước, phòng đọc của thư viện xã Tân Hòa đông hơn mọi ngày. Hơn bốn mươi em "
        "học sinh cùng cha mẹ đến dự buổi ra mắt câu lạc bộ đọc sách mùa hè, do các cán bộ thư viện và "
        "đoàn thanh niên của xã cùng nhau chuẩn bị trong gần một tháng."
    ),
    Block(
        "Mỗi tuần câu lạc bộ họp hai buổi. Các em được chọn sách theo sở thích, đọc to cho nhau nghe, "
        "rồi kể lại câu chuyện bằng lời của mình. Những em nhỏ chưa đọc thạo có anh chị lớn ngồi bên "
        "kèm cặp, chỉ từng chữ, từng dấu thanh."
    ),
    Block(
        "Bà Lê Thị Mận, người giữ thư viện đã mười hai năm, cho biết kho sách của xã còn mỏng, nhiều cuốn "
        "đã sờn gáy. Nhờ các gia đình góp thêm, tủ sách thiếu nhi nay có gần sáu trăm cuốn, từ truyện cổ "
        "tích đến sách khoa học phổ thông."
    ),
    Block(
        "Cuối mùa hè, câu lạc bộ sẽ tổ chức một ngày hội nhỏ để các em trưng bày tranh vẽ và bài viết về "
        "cuốn sách mình yêu thích nhất. Thư viện mong nhận thêm sự giúp đỡ của bà con để phong trào đọc "
        "được duy trì quanh năm."
    ),
    Block("Tin: Minh Khoa", "byline"),
]

REFERENCE = "\n\n".join(block.text for block in BLOCKS)
