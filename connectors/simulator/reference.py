"""Reference data of the simulated province: agencies, procedures, names.

Procedure names follow the national catalogue's wording; codes and processing times are
realistic but synthetic (this is test data, not a copy of the catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    level: str  # "province" | "district" | "commune"


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    name: str
    field_code: str
    field_name: str
    time_text: str
    amount: int
    unit: str  # working_days | working_hours | calendar_days | same_day
    level: str  # which agency level handles it
    restart_on_supplement: bool = False


AGENCIES: Final = (
    Agency("H21.10", "Sở Tư pháp", "province"),
    Agency("H21.11", "Sở Kế hoạch và Đầu tư", "province"),
    Agency("H21.12", "Sở Tài nguyên và Môi trường", "province"),
    Agency("H21.13", "Sở Xây dựng", "province"),
    Agency("H21.14", "Sở Giao thông vận tải", "province"),
    Agency("H21.15", "Sở Lao động - Thương binh và Xã hội", "province"),
    Agency("H21.65", "UBND huyện Đông Hưng", "district"),
    Agency("H21.66", "UBND huyện Tiên Lãng", "district"),
    Agency("H21.67", "UBND thị xã Phú Lộc", "district"),
    Agency("H21.65.01", "UBND xã Đông Hòa", "commune"),
    Agency("H21.65.02", "UBND xã Đông Phương", "commune"),
    Agency("H21.66.01", "UBND thị trấn Tiên Lãng", "commune"),
)

PROCEDURES: Final = (
    Procedure("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài "
              "đang cư trú tại Việt Nam", "G14", "Lý lịch tư pháp",
              "Không quá 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 10, "working_days",
              "province"),
    Procedure("1.008725", "Thay đổi tên doanh nghiệp (đối với doanh nghiệp tư nhân, công ty "
              "TNHH, công ty cổ phần, công ty hợp danh)", "G05", "Thành lập và hoạt động doanh "
              "nghiệp", "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days",
              "province"),
    Procedure("2.001610", "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên",
              "G05", "Thành lập và hoạt động doanh nghiệp",
              "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days", "province"),
    Procedure("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền "
              "với đất do thay đổi thông tin về người được cấp Giấy chứng nhận", "G09", "Đất đai",
              "Không quá 10 ngày làm việc", 10, "working_days", "province", True),
    Procedure("1.009972", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "G11",
              "Hoạt động xây dựng", "15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", 15, "calendar_days",
              "district", True),
    Procedure("1.002809", "Đổi Giấy phép lái xe do ngành Giao thông vận tải cấp", "G17",
              "Đường bộ", "05 ngày làm việc kể từ ngày nhận đủ hồ sơ theo quy định", 5,
              "working_days", "province"),
    Procedure("1.001978", "Giải quyết hưởng trợ cấp thất nghiệp", "G20", "Việc làm",
              "20 ngày kể từ ngày nhận đủ hồ sơ", 20, "calendar_days", "province"),
    Procedure("1.000894", "Đăng ký kết hôn", "G15", "Hộ tịch", "05 ngày làm việc", 5,
              "working_days", "commune"),
    Procedure("1.001193", "Đăng ký khai sinh", "G15", "Hộ tịch",
              "Ngay trong ngày tiếp nhận yêu cầu, trường hợp nhận hồ sơ sau 15 giờ mà không giải "
              "quyết được ngay thì trả kết quả trong ngày làm việc tiếp theo.", 0, "same_day",
              "commune"),
    Procedure("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm "
              "quyền của Việt Nam cấp hoặc chứng nhận", "G16", "Chứng thực",
              "Không quá 02 giờ làm việc", 2, "working_hours", "commune"),
    Procedure("1.000656", "Cấp Giấy chứng nhận đăng ký hộ kinh doanh", "G05",
              "Thành lập và hoạt động doanh nghiệp",
              "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days", "district"),
    Procedure("1.003003", "Thẩm định báo cáo đánh giá tác động môi trường", "G10", "Môi trường",
              "Không quá 30 ngày làm việc", 30, "working_days", "province", True),
)

FAMILY_NAMES: Final = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
                       "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE_NAMES: Final = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu",
                       "Xuân", "Hoài")
GIVEN_NAMES: Final = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
                      "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga",
                      "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt",
                      "Yến")
BUSINESS_NAMES: Final = ("Công ty TNHH Thương mại Hồng Phát", "Công ty Cổ phần Xây dựng Đông Á",
                         "Công ty TNHH Dịch vụ Vận tải Minh Long",
                         "Công ty Cổ phần Nông sản Sông Hồng",
                         "Hợp tác xã Dịch vụ Nông nghiệp Đông Hòa")
OFFICER_TITLES: Final = ("Chuyên viên", "Chuyên viên", "Phó Trưởng phòng", "Trưởng phòng",
                         "Phó Giám đốc")
DEPARTMENTS: Final = {
    "province": ("Bộ phận Một cửa", "Phòng Hành chính tư pháp", "Phòng Nghiệp vụ"),
    "district": ("Bộ phận Một cửa", "Phòng Quản lý đô thị", "Phòng Tài chính - Kế hoạch"),
    "commune": ("Bộ phận Một cửa", "Công chức Tư pháp - Hộ tịch"),
}
SUMMARY_PREFIXES: Final = ("Đề nghị", "Yêu cầu", "Xin")
SUPPLEMENT_REASONS: Final = ("Bổ sung bản sao giấy tờ tùy thân có chứng thực",
                             "Bổ sung bản vẽ thiết kế theo mẫu",
                             "Bổ sung văn bản ủy quyền hợp lệ")
