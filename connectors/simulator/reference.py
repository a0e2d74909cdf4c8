"""Reference data of the simulated province: agencies, procedures, names.

The province is drawn as it stands in 2026: since 1 July 2025 local government has two levels
(province and commune; no districts). Dossiers are decided by the provincial departments (Sở,
after the 2025 mergers) or by the people's committees of communes and wards (UBND xã/phường),
and received at the public administrative service centres (Trung tâm Phục vụ hành chính công
of the province, and of each commune). Each procedure goes to the body that handles it now:
business registration to Sở Tài chính (which absorbed Sở Kế hoạch và Đầu tư), land and the
environment to Sở Nông nghiệp và Môi trường, unemployment benefit to Sở Nội vụ (which absorbed
Sở Lao động - Thương binh và Xã hội), and household businesses, building permits of private
houses and civil status to the commune. The wards and communes bear names of Lâm Đồng after the
2025 arrangement; agency codes are synthetic (this is test data, not a copy of the registers),
and so are the procedures' codes, while their names and times follow the national catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    level: str  # "province" (a department) | "commune" (a commune or ward)


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
    #: the department that decides it, for a provincial procedure (None: any commune)
    agency: str | None = None
    #: the office inside the agency that processes it (shown on each processing step)
    office: str = "Văn phòng HĐND và UBND"


AGENCIES: Final = (
    Agency("H21.10", "Sở Tư pháp", "province"),
    Agency("H21.11", "Sở Tài chính", "province"),
    Agency("H21.12", "Sở Nông nghiệp và Môi trường", "province"),
    Agency("H21.13", "Sở Xây dựng", "province"),
    Agency("H21.15", "Sở Nội vụ", "province"),
    Agency("H21.65", "UBND phường Xuân Hương - Đà Lạt", "commune"),
    Agency("H21.66", "UBND phường Lang Biang - Đà Lạt", "commune"),
    Agency("H21.67", "UBND xã Lạc Dương", "commune"),
    Agency("H21.68", "UBND xã Đức Trọng", "commune"),
    Agency("H21.69", "UBND xã Di Linh", "commune"),
)

PROCEDURES: Final = (
    Procedure("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài "
              "đang cư trú tại Việt Nam", "G14", "Lý lịch tư pháp",
              "Không quá 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 10, "working_days",
              "province", agency="H21.10",
              office="Phòng Hành chính tư pháp"),
    Procedure("1.008725", "Thay đổi tên doanh nghiệp (đối với doanh nghiệp tư nhân, công ty "
              "TNHH, công ty cổ phần, công ty hợp danh)", "G05", "Thành lập và hoạt động doanh "
              "nghiệp", "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days",
              "province", agency="H21.11",
              office="Phòng Đăng ký kinh doanh"),
    Procedure("2.001610", "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên",
              "G05", "Thành lập và hoạt động doanh nghiệp",
              "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days", "province",
              agency="H21.11",
              office="Phòng Đăng ký kinh doanh"),
    Procedure("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền "
              "với đất do thay đổi thông tin về người được cấp Giấy chứng nhận", "G09", "Đất đai",
              "Không quá 10 ngày làm việc", 10, "working_days", "province", True,
              agency="H21.12",
              office="Văn phòng Đăng ký đất đai"),
    Procedure("1.009972", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "G11",
              "Hoạt động xây dựng", "15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", 15, "calendar_days",
              "commune", True,
              office="Phòng Kinh tế, Hạ tầng và Đô thị"),
    Procedure("1.009974", "Cấp giấy phép xây dựng mới đối với công trình cấp I, cấp II (công "
              "trình không theo tuyến)", "G11", "Hoạt động xây dựng",
              "20 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", 20, "calendar_days", "province", True,
              agency="H21.13",
              office="Phòng Quản lý hoạt động xây dựng"),
    Procedure("1.001978", "Giải quyết hưởng trợ cấp thất nghiệp", "G20", "Việc làm",
              "20 ngày kể từ ngày nhận đủ hồ sơ", 20, "calendar_days", "province",
              agency="H21.15",
              office="Trung tâm Dịch vụ việc làm"),
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
              "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 3, "working_days", "commune",
              office="Phòng Kinh tế, Hạ tầng và Đô thị"),
    Procedure("1.003003", "Thẩm định báo cáo đánh giá tác động môi trường", "G10", "Môi trường",
              "Không quá 30 ngày làm việc", 30, "working_days", "province", True,
              agency="H21.12", office="Chi cục Bảo vệ môi trường"),
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
#: Where a dossier is received and its result returned, by the level of the deciding agency.
RECEPTION: Final = {
    "province": "Trung tâm Phục vụ hành chính công tỉnh",
    "commune": "Trung tâm Phục vụ hành chính công xã, phường",
}
SUMMARY_PREFIXES: Final = ("Đề nghị", "Yêu cầu", "Xin")
SUPPLEMENT_REASONS: Final = ("Bổ sung bản sao giấy tờ tùy thân có chứng thực",
                             "Bổ sung bản vẽ thiết kế theo mẫu",
                             "Bổ sung văn bản ủy quyền hợp lệ")
