"""Name pools, teams, titles, notes and reasons used by the seed (international on purpose)."""

# Each pool: (first names, last names, time zones). Names are (as written, ASCII for the email).
POOLS: tuple[tuple[tuple, tuple, tuple], ...] = (
    (
        (("Ngozi", "ngozi"), ("Chinedu", "chinedu"), ("Adaeze", "adaeze"), ("Tunde", "tunde")),
        (("Adeyemi", "adeyemi"), ("Okonkwo", "okonkwo"), ("Balogun", "balogun"), ("Eze", "eze")),
        ("Africa/Lagos",),
    ),
    (
        (("芳", "fang"), ("伟", "wei"), ("秀英", "xiuying"), ("磊", "lei")),
        (("王", "wang"), ("李", "li"), ("张", "zhang"), ("陈", "chen")),
        ("Asia/Shanghai",),
    ),
    (
        (("Зоя", "zoya"), ("Дмитрий", "dmitry"), ("Анна", "anna"), ("Игорь", "igor")),
        (("Иванова", "ivanova"), ("Смирнов", "smirnov"), ("Кузнецова", "kuznetsova")),
        ("Europe/Moscow", "Asia/Almaty"),
    ),
    (
        (("محمد", "mohammed"), ("فاطمة", "fatima"), ("ليلى", "layla"), ("عمر", "omar")),
        (("علي", "ali"), ("حسن", "hassan"), ("منصور", "mansour"), ("خالد", "khaled")),
        ("Asia/Dubai", "Africa/Cairo"),
    ),
    (
        (("Søren", "soren"), ("Åsa", "asa"), ("Björn", "bjorn"), ("Ingrid", "ingrid")),
        (("Ødegaard", "odegaard"), ("Lindqvist", "lindqvist"), ("Ekström", "ekstrom")),
        ("Europe/Oslo", "Europe/Stockholm", "Europe/Copenhagen"),
    ),
    (
        (("Lucía", "lucia"), ("José", "jose"), ("Camila", "camila"), ("Íñigo", "inigo")),
        (("Fernández", "fernandez"), ("Ramírez", "ramirez"), ("Núñez", "nunez")),
        ("Europe/Madrid", "America/Mexico_City", "America/Bogota"),
    ),
    (
        (("陽翔", "haruto"), ("Aiko", "aiko"), ("さくら", "sakura"), ("Ren", "ren")),
        (("佐藤", "sato"), ("Suzuki", "suzuki"), ("山本", "yamamoto")),
        ("Asia/Tokyo",),
    ),
    (
        (("Priya", "priya"), ("Arjun", "arjun"), ("अनन्या", "ananya"), ("Rohan", "rohan")),
        (("Sharma", "sharma"), ("Mehta", "mehta"), ("गुप्ता", "gupta"), ("Iyer", "iyer")),
        ("Asia/Kolkata",),
    ),
    (
        (("Νίκος", "nikos"), ("Eleni", "eleni"), ("Γιώργος", "giorgos")),
        (("Παπαδόπουλος", "papadopoulos"), ("Georgiou", "georgiou")),
        ("Europe/Athens",),
    ),
    (
        (("Thảo", "thao"), ("Minh", "minh"), ("Lan", "lan")),
        (("Nguyễn", "nguyen"), ("Trần", "tran"), ("Phạm", "pham")),
        ("Asia/Ho_Chi_Minh",),
    ),
    (
        (("Ayşe", "ayse"), ("Çağrı", "cagri"), ("Emre", "emre")),
        (("Yılmaz", "yilmaz"), ("Öztürk", "ozturk"), ("Şahin", "sahin")),
        ("Europe/Istanbul",),
    ),
    (
        (("Zoë", "zoe"), ("Anaïs", "anais"), ("François", "francois"), ("Jürgen", "jurgen")),
        (("Lefèvre", "lefevre"), ("Dubois", "dubois"), ("Müller", "muller"), ("Weiß", "weiss")),
        ("Europe/Paris", "Europe/Berlin", "Europe/Zurich"),
    ),
    (
        (("민준", "minjun"), ("Ji-woo", "jiwoo"), ("서연", "seoyeon")),
        (("김", "kim"), ("Park", "park"), ("이", "lee")),
        ("Asia/Seoul",),
    ),
    (
        (("נועה", "noa"), ("Yosef", "yosef"), ("תמר", "tamar")),
        (("כהן", "cohen"), ("Levi", "levi")),
        ("Asia/Jerusalem",),
    ),
    (
        (("Łukasz", "lukasz"), ("Małgorzata", "malgorzata"), ("Zofia", "zofia")),
        (("Wójcik", "wojcik"), ("Kowalczyk", "kowalczyk"), ("Dąbrowska", "dabrowska")),
        ("Europe/Warsaw",),
    ),
    (
        (("Siobhán", "siobhan"), ("Seán", "sean"), ("Aoife", "aoife")),
        (("O'Brien", "obrien"), ("Ó Súilleabháin", "osullivan"), ("Mac Giolla", "macgiolla")),
        ("Europe/Dublin",),
    ),
    (
        (("João", "joao"), ("Beatriz", "beatriz"), ("Thiago", "thiago")),
        (("Gonçalves", "goncalves"), ("Conceição", "conceicao"), ("Araújo", "araujo")),
        ("America/Sao_Paulo",),
    ),
    (
        (("Kwame", "kwame"), ("Wanjiru", "wanjiru"), ("Amani", "amani"), ("Thandiwe", "thandiwe")),
        (("Mensah", "mensah"), ("Kamau", "kamau"), ("Ndlovu", "ndlovu")),
        ("Africa/Accra", "Africa/Nairobi", "Africa/Johannesburg"),
    ),
    (
        (("Kealoha", "kealoha"), ("Ava", "ava"), ("Liam", "liam"), ("Maya", "maya")),
        (("Kahananui", "kahananui"), ("Johnson", "johnson"), ("Nakamura-Smith", "nakamurasmith")),
        ("Pacific/Honolulu", "America/New_York", "America/Los_Angeles", None),
    ),
)

TEAMS: tuple[str, ...] = (
    "Engineering",
    "Design",
    "Customer Success",
    "Operations",
    "Marketing",
    "Sales",
    "Data & Analytics",
    "Security",
    "Legal",
    "Finance",
    "People",
    "Product",
    "Research",
    "Platform",
    "Mobile",
    "Infrastructure",
    "Partnerships",
    "Content",
    "Localization",
    "Quality",
    "Facilities",
    "Procurement",
    "Support (EMEA)",
    "Support (APAC)",
)

TITLES: dict[str, tuple[str, ...]] = {
    "Engineering": (
        "Software Engineer",
        "Senior Software Engineer",
        "Staff Engineer",
        "QA Engineer",
        "DevOps Engineer",
    ),
    "Design": ("Product Designer", "UX Researcher", "Design Lead", "Illustrator"),
    "Customer Success": (
        "Customer Success Manager",
        "Support Specialist",
        "Onboarding Specialist",
    ),
    "Operations": ("Operations Coordinator", "Finance Analyst", "People Partner", "Office Manager"),
    "Research": ("Research Scientist", "Lab Technician", "Data Scientist"),
    "Field Operations": ("Field Engineer", "Logistics Coordinator", "Site Lead"),
    "Studio": ("Producer", "Sound Engineer", "Editor"),
    "Client Services": ("Account Manager", "Project Coordinator"),
}

NOTES: dict[str, tuple[str | None, ...]] = {
    "Annual leave": (
        "Family vacation",
        "Vacaciones en la costa con mi familia",
        "Urlaub in den Bergen",
        "Congés d'été",
        "家族旅行",
        "Отпуск",
        "إجازة عائلية",
        "Hochzeit meiner Schwester 💍",
        "Trip to Lagos for my brother's wedding",
        None,
    ),
    "Sick leave": (
        "Flu",
        "Fever, doctor's note to follow",
        "Gripe",
        "Migraine",
        "病欠",
        "Больничный",
        "Back pain after the move",
    ),
    "Unpaid leave": (
        "Extended travel",
        "Moving house abroad",
        "Caring for a family member",
        "Viaje personal",
    ),
    "Medical appointment": (
        "Dentist",
        "Physiotherapy",
        "Rendez-vous médical",
        "Blood test",
        "歯医者",
        None,
    ),
    "Parental leave": ("Baby due early next month", "Elternzeit", "Licencia por paternidad"),
    "Study leave": ("Final exams", "Certification course", "Prüfungsvorbereitung"),
    "Bereavement leave": ("Funeral", "Family bereavement"),
    "Volunteering day": ("Beach clean-up", "Food bank shift", None),
}

REJECT_REASONS: tuple[str, ...] = (
    "Insufficient leave balance",
    "Too many people on leave that week",
    "Release week, please pick other dates",
    "Coverage not arranged",
    "Overlaps with the quarterly planning offsite",
    "Demasiadas ausencias en el equipo esa semana",
    "Bitte einen anderen Zeitraum wählen",
    "Please request this as sick leave instead",
)
