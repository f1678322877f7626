"""The words of the demo data that `desk.seed` writes: places, people and complaint texts.

Everything here is Indonesian and set in Kalimantan Timur. Complaint titles and bodies are composed
from fragments (greeting, introduction, problem, details, impact, request, closing) whose slots
(`{jalan}`, `{kel}`, `{kec}`, `{kota}`, `{obj}`, `{waktu}`, `{tgl}`) are filled per case, so that a
million cases do not read alike.

Each fragment is stemmed once, when this module is imported (`Frag` = text and its stems; a
`Template` = a text format and a stems format), and a composed text's stems are the fragments'
stems joined with spaces. This equals `db.stemming.stem_text` of the whole text because fragments
are joined only with whitespace and a slot never touches a letter or digit of the text around it
(`compile_template` refuses templates that would break this, and tests/test_seed.py checks it on
generated texts).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.stemming import WORD, stem_text

Frag = tuple[str, str]  # (text, its stems as stem_text makes them)
Template = tuple[
    str, str
]  # (text format, stems format): str.format_map with the slots' texts/stems

SLOTS = frozenset({"jalan", "kel", "kec", "kota", "obj", "waktu", "tgl"})


def frag(text: str) -> Frag:
    return (text, stem_text(text))


def _ends_in_word(text: str) -> bool:
    return bool(text) and WORD.match(text[-1]) is not None


def _starts_with_word(text: str) -> bool:
    return bool(text) and WORD.match(text[0]) is not None


def compile_template(text: str) -> Template:
    """Turn "Jalan di {jalan} rusak." into a text format and a stems format.

    The stems format is the literal parts' stems with the slots in between ("jalan di {jalan}
    rusak"), so filling both with a slot value's text and stems gives a text and exactly its
    stems. Raises ValueError for an unknown slot or a slot glued to a letter or digit
    ("{kota}nya"), which would make the joined stems differ from the stems of the whole text.
    """
    text_parts: list[str] = []
    stem_parts: list[str] = []
    rest = text
    while rest:
        start = rest.find("{")
        if start < 0:
            literal, rest = rest, ""
            name = None
        else:
            end = rest.index("}", start)
            name = rest[start + 1 : end]
            if name not in SLOTS:
                raise ValueError(f"unknown slot {{{name}}} in {text!r}")
            literal, rest = rest[:start], rest[end + 1 :]
            if _ends_in_word(literal) or _starts_with_word(rest):
                raise ValueError(f"slot {{{name}}} touches a word in {text!r}")
        if "}" in literal:
            raise ValueError(f"unbalanced brace in {text!r}")
        text_parts.append(literal)
        stem = stem_text(literal)
        if stem:
            stem_parts.append(stem)
        if name is not None:
            text_parts.append(f"{{{name}}}")
            stem_parts.append(f"{{{name}}}")
    return ("".join(text_parts), " ".join(stem_parts))


def compile_all(texts: tuple[str, ...] | list[str]) -> tuple[Template, ...]:
    return tuple(compile_template(text) for text in texts)


def frags(texts: tuple[str, ...] | list[str]) -> tuple[Frag, ...]:
    for text in texts:
        if "{" in text or "}" in text:
            raise ValueError(f"a fragment cannot hold a slot: {text!r}")
    return tuple(frag(text) for text in texts)


# ---------------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class Place:
    """A kabupaten or kota of Kalimantan Timur, with its unit code and the names used in texts."""

    name: str  # "Kota Samarinda"
    unit: str  # its Pemda unit code
    nik_code: str  # the first four digits of a NIK issued there
    weight: int  # share of complaints (roughly population and internet use)
    kecamatan: dict[str, tuple[str, ...]]  # kecamatan -> kelurahan/desa
    streets: tuple[str, ...]


PLACES: tuple[Place, ...] = (
    Place(
        "Kota Samarinda",
        "PEMKOT-SMD",
        "6472",
        28,
        {
            "Samarinda Ulu": (
                "Air Putih",
                "Air Hitam",
                "Gunung Kelua",
                "Sidodadi",
                "Dadi Mulya",
                "Teluk Lerong Ulu",
                "Bukit Pinang",
            ),
            "Samarinda Ilir": ("Pelita", "Sidomulyo", "Sungai Dama", "Selili", "Sidodamai"),
            "Samarinda Kota": (
                "Bugis",
                "Pelabuhan",
                "Karang Mumus",
                "Pasar Pagi",
                "Sungai Pinang Luar",
            ),
            "Samarinda Utara": (
                "Sempaja Selatan",
                "Sempaja Utara",
                "Lempake",
                "Sungai Siring",
                "Tanah Merah",
                "Budaya Pampang",
            ),
            "Sungai Pinang": (
                "Sungai Pinang Dalam",
                "Temindung Permai",
                "Gunung Lingai",
                "Mugirejo",
                "Bandara",
            ),
            "Sungai Kunjang": (
                "Loa Bakung",
                "Karang Asam Ulu",
                "Karang Asam Ilir",
                "Lok Bahu",
                "Teluk Lerong Ilir",
                "Karang Anyar",
            ),
            "Samarinda Seberang": ("Sungai Keledang", "Baqa", "Mesjid", "Mangkupalas"),
            "Palaran": ("Rawa Makmur", "Handil Bakti", "Bukuan", "Simpang Pasir", "Bantuas"),
            "Sambutan": ("Makroman", "Sindang Sari", "Pulau Atas", "Sungai Kapih", "Sambutan"),
            "Loa Janan Ilir": ("Harapan Baru", "Rapak Dalam", "Simpang Tiga", "Sengkotek"),
        },
        (
            "Jl. Juanda",
            "Jl. M.T. Haryono",
            "Jl. Pahlawan",
            "Jl. A.W. Sjahranie",
            "Jl. P. Antasari",
            "Jl. Cendana",
            "Jl. Gatot Subroto",
            "Jl. Letjen Suprapto",
            "Jl. Slamet Riyadi",
            "Jl. Kadrie Oening",
            "Jl. Pramuka",
            "Jl. D.I. Panjaitan",
            "Jl. K.H. Wahid Hasyim",
            "Jl. Dr. Soetomo",
            "Jl. Basuki Rahmat",
            "Jl. Agus Salim",
            "Jl. Siradj Salman",
            "Jl. Mulawarman",
            "Jl. Gajah Mada",
            "Jl. Otto Iskandardinata",
            "Jl. Bung Tomo",
            "Jl. Lambung Mangkurat",
            "Jl. Suryanata",
            "Jl. Damanhuri",
            "Jl. Ir. Sutami",
            "Jl. Jakarta",
            "Jl. Padat Karya",
            "Jl. Pangeran Suryanata",
        ),
    ),
    Place(
        "Kota Balikpapan",
        "PEMKOT-BPN",
        "6471",
        24,
        {
            "Balikpapan Kota": (
                "Klandasan Ilir",
                "Klandasan Ulu",
                "Damai",
                "Prapatan",
                "Telaga Sari",
            ),
            "Balikpapan Selatan": (
                "Sepinggan",
                "Sepinggan Baru",
                "Gunung Bahagia",
                "Damai Bahagia",
                "Sungai Nangka",
                "Sepinggan Raya",
            ),
            "Balikpapan Utara": (
                "Batu Ampar",
                "Graha Indah",
                "Karang Joang",
                "Gunung Samarinda",
                "Muara Rapak",
                "Gunung Samarinda Baru",
            ),
            "Balikpapan Timur": ("Manggar", "Manggar Baru", "Lamaru", "Teritip"),
            "Balikpapan Barat": (
                "Baru Ilir",
                "Baru Tengah",
                "Margo Mulyo",
                "Marga Sari",
                "Kariangau",
            ),
            "Balikpapan Tengah": (
                "Karang Rejo",
                "Gunung Sari Ilir",
                "Gunung Sari Ulu",
                "Mekar Sari",
                "Sumber Rejo",
                "Karang Jati",
            ),
        },
        (
            "Jl. Jenderal Sudirman",
            "Jl. M.T. Haryono",
            "Jl. Soekarno-Hatta",
            "Jl. Ahmad Yani",
            "Jl. Marsma R. Iswahyudi",
            "Jl. Mulawarman",
            "Jl. Letjen S. Parman",
            "Jl. Syarifuddin Yoes",
            "Jl. Ruhui Rahayu",
            "Jl. Pupuk Raya",
            "Jl. Indrakila",
            "Jl. Projakal",
            "Jl. Sepinggan Pratama",
            "Jl. D.I. Panjaitan",
            "Jl. Gunung Malang",
            "Jl. Mayjen Sutoyo",
            "Jl. Pangeran Antasari",
        ),
    ),
    Place(
        "Kabupaten Kutai Kartanegara",
        "PEMKAB-KUKAR",
        "6403",
        18,
        {
            "Tenggarong": ("Melayu", "Panji", "Timbau", "Loa Ipuh", "Sukarame", "Maluhu", "Jahab"),
            "Tenggarong Seberang": ("Bukit Raya", "Manunggal Jaya", "Embalut", "Separi"),
            "Loa Kulu": ("Loa Kulu Kota", "Jembayan", "Sumber Sari"),
            "Loa Janan": ("Loa Janan Ulu", "Bakungan", "Purwajaya", "Tani Bhakti"),
            "Samboja": ("Sungai Merdeka", "Kuala Samboja", "Sanipah", "Handil Baru"),
            "Muara Badak": ("Badak Baru", "Muara Badak Ilir", "Tanjung Limau", "Salo Palai"),
            "Sanga-Sanga": ("Sanga-Sanga Dalam", "Jawa", "Pendingin"),
            "Kota Bangun": ("Kota Bangun Ilir", "Kota Bangun Ulu", "Sangkuliman"),
            "Muara Jawa": ("Muara Jawa Ulu", "Dondang", "Teluk Dalam"),
            "Anggana": ("Anggana", "Sungai Meriam", "Handil Terusan"),
        },
        (
            "Jl. Wolter Monginsidi",
            "Jl. Ahmad Muksin",
            "Jl. Diponegoro",
            "Jl. K.H. Ahmad Dahlan",
            "Jl. Poros Samarinda-Tenggarong",
            "Jl. Mangkurawang",
            "Jl. Imam Bonjol",
            "Jl. Pesut",
            "Jl. Danau Aji",
            "Jl. Poros Samboja",
            "Jl. Patin",
            "Jl. Kartini",
        ),
    ),
    Place(
        "Kota Bontang",
        "PEMKOT-BTG",
        "6474",
        6,
        {
            "Bontang Utara": (
                "Api-Api",
                "Gunung Elai",
                "Lok Tuan",
                "Guntung",
                "Bontang Baru",
                "Bontang Kuala",
            ),
            "Bontang Selatan": (
                "Berbas Tengah",
                "Berbas Pantai",
                "Tanjung Laut",
                "Satimpo",
                "Bontang Lestari",
                "Tanjung Laut Indah",
            ),
            "Bontang Barat": ("Telihan", "Kanaan", "Belimbing"),
        },
        (
            "Jl. Bhayangkara",
            "Jl. Ahmad Yani",
            "Jl. Cut Nyak Dien",
            "Jl. Letjen S. Parman",
            "Jl. M.T. Haryono",
            "Jl. Brigjend Katamso",
            "Jl. Awang Long",
            "Jl. R. Suprapto",
            "Jl. Pupuk Raya",
            "Jl. K.S. Tubun",
        ),
    ),
    Place(
        "Kabupaten Kutai Timur",
        "PEMKAB-KUTIM",
        "6404",
        8,
        {
            "Sangatta Utara": ("Swarga Bara", "Singa Gembara", "Teluk Lingga", "Sangatta Utara"),
            "Sangatta Selatan": ("Sangatta Selatan", "Sangkima", "Singa Geweh"),
            "Bengalon": ("Sepaso", "Sepaso Timur", "Tepian Langsat"),
            "Muara Wahau": ("Wahau Baru", "Nehas Liah Bing", "Jak Luay"),
            "Sangkulirang": ("Benua Baru Ilir", "Kerayaan", "Pelawan"),
            "Rantau Pulung": ("Tanjung Labu", "Pulung Sari", "Mukti Jaya"),
        },
        (
            "Jl. Yos Sudarso",
            "Jl. A.P.T. Pranoto",
            "Jl. Soekarno-Hatta",
            "Jl. Poros Sangatta-Bengalon",
            "Jl. Ilham Maulana",
            "Jl. Pendidikan",
            "Jl. Jenderal Sudirman",
        ),
    ),
    Place(
        "Kabupaten Berau",
        "PEMKAB-BERAU",
        "6405",
        6,
        {
            "Tanjung Redeb": (
                "Bugis",
                "Gayam",
                "Karang Ambun",
                "Tanjung Redeb",
                "Sei Bedungun",
                "Gunung Panjang",
            ),
            "Gunung Tabur": ("Gunung Tabur", "Maluang", "Birang"),
            "Sambaliung": ("Sambaliung", "Rinding", "Tanjung Perangat"),
            "Teluk Bayur": ("Teluk Bayur", "Rinding", "Tumbit Melayu"),
            "Pulau Derawan": ("Pulau Derawan", "Tanjung Batu", "Teluk Semanting"),
            "Talisayan": ("Talisayan", "Eka Sapta", "Tunggal Bumi"),
        },
        (
            "Jl. Pemuda",
            "Jl. Dr. Murjani",
            "Jl. S.A. Maulana",
            "Jl. Pangeran Antasari",
            "Jl. Milono",
            "Jl. Sultan Agung",
            "Jl. H.A.M. Rifaddin",
            "Jl. Poros Tanjung Redeb-Talisayan",
        ),
    ),
    Place(
        "Kabupaten Paser",
        "PEMKAB-PASER",
        "6401",
        5,
        {
            "Tanah Grogot": ("Tanah Grogot", "Tanah Periuk", "Senaken", "Tapis", "Perepat"),
            "Kuaro": ("Kuaro", "Padang Pengrapat", "Pasir Mayang"),
            "Long Ikis": ("Long Ikis", "Krayan Makmur", "Tajer Mulya"),
            "Batu Sopang": ("Batu Kajang", "Kasungai", "Songka"),
            "Long Kali": ("Long Kali", "Muara Toyu", "Sebakung Jaya"),
        },
        (
            "Jl. Kusuma Bangsa",
            "Jl. Jenderal Sudirman",
            "Jl. Noto Sunardi",
            "Jl. R.M. Noto Sunardi",
            "Jl. Sultan Ibrahim Khaliluddin",
            "Jl. Poros Grogot-Kuaro",
            "Jl. Modang",
        ),
    ),
    Place(
        "Kabupaten Penajam Paser Utara",
        "PEMKAB-PPU",
        "6409",
        4,
        {
            "Penajam": (
                "Nipah-Nipah",
                "Penajam",
                "Gunung Seteleng",
                "Sungai Parit",
                "Petung",
                "Nenang",
                "Lawe-Lawe",
            ),
            "Waru": ("Waru", "Sesulu", "Bangun Mulya"),
            "Babulu": ("Babulu Darat", "Babulu Laut", "Gunung Makmur"),
            "Sepaku": ("Sepaku", "Pemaluan", "Bumi Harapan", "Mentawir", "Tengin Baru"),
        },
        (
            "Jl. Provinsi Km 9",
            "Jl. Negara",
            "Jl. Poros Penajam-Sepaku",
            "Jl. Propinsi",
            "Jl. Pelabuhan Penajam",
            "Jl. Sultan Aji Muhammad Idris",
        ),
    ),
    Place(
        "Kabupaten Kutai Barat",
        "PEMKAB-KUBAR",
        "6407",
        3,
        {
            "Barong Tongkok": ("Barong Tongkok", "Simpang Raya", "Sendawar", "Juaq Asa"),
            "Melak": ("Melak Ulu", "Melak Ilir", "Muara Bunyut"),
            "Sekolaq Darat": ("Sekolaq Darat", "Sekolaq Joleq"),
            "Linggang Bigung": ("Linggang Bigung", "Linggang Melapeh"),
        },
        (
            "Jl. Sendawar Raya",
            "Jl. Kilip Antoi",
            "Jl. Poros Melak-Barong Tongkok",
            "Jl. Jenderal Sudirman",
        ),
    ),
    Place(
        "Kabupaten Mahakam Ulu",
        "PEMKAB-MAHULU",
        "6411",
        1,
        {
            "Long Bagun": ("Ujoh Bilang", "Long Bagun Ilir", "Long Melaham", "Batoq Kelo"),
            "Long Hubung": ("Long Hubung", "Datah Bilang Ulu", "Lutan"),
            "Laham": ("Laham", "Long Gelawang"),
        },
        ("Jl. Poros Ujoh Bilang", "Jl. Lintas Mahakam Ulu", "Jl. Kampung Ujoh Bilang"),
    ),
)

WAKTU = (
    "sejak dua minggu terakhir",
    "sudah lebih dari satu bulan",
    "sejak awal tahun ini",
    "hampir tiga bulan",
    "sejak musim hujan kemarin",
    "sudah berbulan-bulan",
    "sejak pekan lalu",
    "sudah lebih dari setahun",
    "beberapa hari terakhir",
    "sejak Lebaran kemarin",
    "sejak akhir tahun lalu",
    "sudah tiga minggu",
    "sejak bulan lalu",
    "hampir setiap hari",
)

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# ---------------------------------------------------------------------------------------------
# People

MALE_NAMES = (
    "Andi",
    "Budi",
    "Muhammad",
    "Ahmad",
    "Rizky",
    "Fajar",
    "Hendra",
    "Agus",
    "Yusuf",
    "Irfan",
    "Dedi",
    "Hadi",
    "Syahrul",
    "Rahmat",
    "Arif",
    "Taufik",
    "Bayu",
    "Eko",
    "Wahyu",
    "Joko",
    "Slamet",
    "Iwan",
    "Reza",
    "Dimas",
    "Aditya",
    "Gilang",
    "Ilham",
    "Ridwan",
    "Zainal",
    "Sofyan",
    "Abdul",
    "Haris",
    "Yohanes",
    "Petrus",
    "Stefanus",
    "Daniel",
    "Markus",
    "Lukas",
    "Awang",
    "Aji",
    "Muhammad Rizal",
    "Rudi",
    "Hasanuddin",
    "Jumadi",
    "Suriansyah",
    "Herman",
    "Darmawan",
    "Firman",
    "Nanang",
    "Rusdiansyah",
    "Akbar",
    "Yudi",
    "Bambang",
    "Hamdani",
    "Junaidi",
    "Samsul",
)
FEMALE_NAMES = (
    "Siti",
    "Dewi",
    "Nur",
    "Rina",
    "Sri",
    "Fitri",
    "Ayu",
    "Putri",
    "Rahma",
    "Wulan",
    "Indah",
    "Maya",
    "Ratna",
    "Yuli",
    "Dian",
    "Nurul",
    "Aisyah",
    "Fatimah",
    "Intan",
    "Kartika",
    "Mega",
    "Novi",
    "Anisa",
    "Hana",
    "Maria",
    "Agnes",
    "Theresia",
    "Yohana",
    "Veronika",
    "Dayang",
    "Rusmini",
    "Hairunnisa",
    "Noorhayati",
    "Norma",
    "Sulastri",
    "Herlina",
    "Yuliana",
    "Erna",
    "Rosita",
    "Nurhasanah",
    "Fatmawati",
    "Lina",
    "Wahyuni",
    "Evi",
    "Susanti",
    "Mariana",
)
SURNAMES = (
    "Wijaya",
    "Santoso",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Setiawan",
    "Nugroho",
    "Kurniawan",
    "Siregar",
    "Nasution",
    "Lubis",
    "Simanjuntak",
    "Sinaga",
    "Harahap",
    "Sembiring",
    "Ginting",
    "Noor",
    "Syahrani",
    "Rusdi",
    "Anwar",
    "Effendi",
    "Hamzah",
    "Rasyid",
    "Maulana",
    "Ramadhan",
    "Firmansyah",
    "Hakim",
    "Sulaiman",
    "Ibrahim",
    "Iskandar",
    "Hasan",
    "Salim",
    "Latif",
    "Baso",
    "Tandi",
    "Laing",
    "Lahang",
    "Ajang",
    "Jalung",
    "Daeng Matta",
    "Mappangara",
    "Pakpahan",
    "Gunawan",
    "Susanto",
    "Purnomo",
    "Wibowo",
    "Prasetyo",
    "Hermawan",
    "Mulyadi",
    "Sudrajat",
    "Tarigan",
    "Manurung",
    "Pardede",
    "Situmorang",
    "Lamba",
    "Rante",
    "Arsyad",
    "Yusran",
    "",
)
FEMALE_SURNAMES = (
    "Rahmawati",
    "Lestari",
    "Wulandari",
    "Handayani",
    "Susilawati",
    "Puspitasari",
    "Kusumawati",
    "Anggraini",
    "Safitri",
    "Permatasari",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "yahoo.co.id",
    "outlook.com",
    "ymail.com",
    "kaltimprov.go.id",
)
PHONE_PREFIXES = (
    "0811",
    "0812",
    "0813",
    "0821",
    "0822",
    "0823",
    "0852",
    "0853",
    "0814",
    "0815",
    "0816",
    "0855",
    "0856",
    "0857",
    "0858",
    "0817",
    "0818",
    "0819",
    "0859",
    "0877",
    "0878",
    "0895",
    "0896",
    "0897",
    "0898",
    "0899",
    "0881",
    "0882",
    "0888",
)

# ---------------------------------------------------------------------------------------------
# The parts of a complaint every topic shares

GREETINGS = frags(
    (
        "Selamat pagi.",
        "Selamat siang.",
        "Selamat sore.",
        "Selamat malam.",
        "Assalamualaikum wr. wb.",
        "Yth. Bapak/Ibu pengelola SP4N-LAPOR!",
        "Kepada Yth. Bapak Gubernur Kalimantan Timur,",
        "Dengan hormat,",
        "Salam sejahtera.",
        "Permisi, admin.",
        "Halo admin LAPOR!",
        "Yth. Kepala Dinas terkait,",
        "Mohon izin melapor.",
        "Selamat pagi Bapak/Ibu.",
        "Yth. Pemerintah Provinsi Kalimantan Timur,",
    )
)
INTROS = compile_all(
    (
        "Saya warga Kelurahan {kel}, Kecamatan {kec}, {kota}.",
        "Saya tinggal di {jalan}, {kel}, {kota}.",
        "Kami warga Kelurahan {kel} ingin menyampaikan keluhan bersama.",
        "Perkenalkan, saya salah satu warga {kota} yang setiap hari melintas di {jalan}.",
        "Saya ingin melaporkan kondisi di wilayah Kecamatan {kec}, {kota}.",
        "Izin menyampaikan laporan terkait kondisi di lingkungan kami, {kel}, {kota}.",
        "Saya mewakili warga {kel} yang sudah lama resah dengan masalah ini.",
        "Saya pengguna jalan yang sering lewat {jalan} ({kota}).",
        "Melalui kanal ini saya ingin menyampaikan keluhan warga Kecamatan {kec}.",
        "Saya orang tua murid dan warga {kota}.",
        "Saya pedagang kecil di sekitar {jalan}, Kelurahan {kel}.",
    )
)
IMPACTS = frags(
    (
        "Kondisi ini sangat membahayakan pengendara, terutama pada malam hari.",
        "Warga sangat dirugikan dengan keadaan ini.",
        "Aktivitas warga sehari-hari menjadi terganggu.",
        "Kami khawatir akan ada korban jika tidak segera ditangani.",
        "Anak-anak yang berangkat sekolah juga ikut terdampak.",
        "Sudah pernah dilaporkan ke kelurahan tetapi belum ada tindak lanjut.",
        "Ketua RT sudah menyampaikan hal ini dalam musrenbang, namun belum ada realisasi.",
        "Kami sudah menunggu cukup lama tanpa kepastian.",
        "Banyak warga yang mengeluh tetapi tidak tahu harus melapor ke mana.",
        "Kami merasa pelayanan publik di daerah kami masih kurang diperhatikan.",
        "Beberapa warga lanjut usia sangat kesulitan karena masalah ini.",
        "Usaha kecil di sekitar lokasi ikut sepi karena kondisi ini.",
    )
)
REQUESTS = frags(
    (
        "Mohon segera ditindaklanjuti.",
        "Mohon perhatian dari instansi terkait.",
        "Kami berharap pemerintah segera turun tangan.",
        "Mohon agar segera diperbaiki sebelum ada korban.",
        "Mohon ditinjau langsung ke lokasi.",
        "Kami menunggu tanggapan dan solusinya.",
        "Mohon kejelasan kapan akan ditangani.",
        "Mohon dinas terkait dapat segera menindaklanjuti laporan ini.",
        "Kami mohon ada solusi yang nyata, bukan sekadar janji.",
        "Mohon laporan ini diteruskan kepada pihak yang berwenang.",
    )
)
CLOSINGS = compile_all(
    (
        "Terima kasih.",
        "Terima kasih atas perhatiannya.",
        "Atas perhatian Bapak/Ibu kami ucapkan terima kasih.",
        "Wassalamualaikum wr. wb.",
        "Salam.",
        "Hormat saya, warga {kel}.",
        "Terima kasih, semoga cepat ditanggapi.",
        "Semoga laporan ini bisa segera ditindaklanjuti. Terima kasih.",
        "Demikian laporan saya, terima kasih.",
        "Salam hormat dari warga {kota}.",
    )
)
SINCE = compile_all(
    (
        "Kondisi ini sudah terjadi {waktu}.",
        "Masalah ini berlangsung {waktu}.",
        "Hal ini sudah kami alami {waktu}.",
        "Keadaan seperti ini terjadi {waktu} dan belum ada perubahan.",
    )
)
INFO_TITLES = compile_all(
    (
        "Permohonan informasi tentang {obj}",
        "Pertanyaan mengenai {obj} di {kota}",
        "Mohon informasi {obj}",
        "Informasi {obj} untuk warga {kec}",
    )
)
INFO_GENERIC = frags(
    (
        "Saya sudah mencari di situs resmi tetapi belum menemukan informasi yang jelas.",
        "Informasi ini penting bagi kami sebelum mengurus ke kantor.",
        "Mohon dijelaskan persyaratan dan alurnya.",
        "Mohon dibalas melalui kanal ini.",
        "Apakah ada nomor kontak yang bisa dihubungi?",
    )
)
ASPIRATION_TITLES = compile_all(
    (
        "Usulan terkait {obj} di {kota}",
        "Saran untuk peningkatan {obj}",
        "Aspirasi warga {kec}: {obj}",
    )
)
ASPIRATION_GENERIC = frags(
    (
        "Usulan ini sudah kami bicarakan bersama warga sekitar.",
        "Semoga dapat menjadi bahan pertimbangan dalam perencanaan tahun depan.",
        "Kami siap membantu jika diperlukan data tambahan.",
        "Kami percaya hal ini akan bermanfaat bagi banyak warga.",
    )
)
CHRONOLOGY_HEAD = frags(("Kronologi singkat:", "Berikut kronologinya:", "Rincian kejadian:"))
CHRONOLOGY = compile_all(
    (
        "- {tgl}: saya melapor ke kantor kelurahan {kel}, diminta menunggu.",
        "- {tgl}: warga bergotong royong menimbun sementara dengan batu dan pasir.",
        "- {tgl}: petugas datang mengukur lokasi tetapi tidak ada kabar lagi.",
        "- {tgl}: kondisi makin parah setelah hujan deras semalaman.",
        "- {tgl}: seorang pengendara motor terjatuh di lokasi yang sama.",
        "- {tgl}: kami mengirim surat ke kantor kecamatan {kec}.",
        "- {tgl}: saya menelepon nomor pengaduan tetapi tidak diangkat.",
        "- {tgl}: ada rapat RT membahas masalah ini, hasilnya akan dilaporkan lagi.",
        "- {tgl}: saya datang langsung ke kantor dinas, diarahkan ke bagian lain.",
        "- {tgl}: belum ada perubahan, warga mulai kehilangan kesabaran.",
        "- {tgl}: kami mengumpulkan tanda tangan warga sebagai dukungan laporan.",
        "- {tgl}: foto dan video kondisi lokasi sudah kami simpan sebagai bukti.",
        "- {tgl}: pihak kelurahan menyarankan agar melapor melalui SP4N-LAPOR!",
        "- {tgl}: petugas mengatakan anggaran belum tersedia tahun ini.",
    )
)

# A small share of texts carry what later screens must show safely: emoji, text that looks like
# Rich markup, and terminal control characters or escape sequences.
EMOJI = frags(("🙏", "🙏🙏🙏", "😡", "😭", "🚧", "👍", "⚠️", "🤦‍♂️", "💧🌊", "🔥", "😤😤", "🛵💨"))
MARKUP = frags(
    (
        "[bold]MOHON SEGERA DITINDAKLANJUTI[/bold]",
        "[/x]",
        "[link=http://x]lihat foto[/link]",
        "[red]PENTING![/red]",
        "<b>Darurat</b>",
        "[i]catatan:[/i] foto terlampir",
        "[[bukan markup]]",
        "[blink]tolong[/blink] [/]",
        "**sangat mendesak**",
    )
)
CONTROL = frags(
    (
        "\x1b[2J",
        "\x07",
        "\x1b]52;c;SGFsbyBkZXNr\x07",
        "\x1b[31mMERAH\x1b[0m",
        "\x1b[1;1H",
        "teks \u202eterbalik\u202c biasa",
        "\x08\x08\x08",
        "\x1b[?1049h",
        "\x1b]0;judul palsu\x07",
        "baris\rtimpa",
    )
)


# ---------------------------------------------------------------------------------------------
# Topics: what complaints are about, where they go, and how units answer them


@dataclass(frozen=True)
class Topic:
    key: str
    weight: int
    categories: tuple[tuple[str, tuple[str, ...]], ...]  # (main category, preferred subs)
    units: tuple[tuple[str, int], ...]  # (unit code, weight); "KOTA" is the place's Pemda unit
    objects: tuple[Frag, ...]
    titles: tuple[Template, ...]
    problems: tuple[Template, ...]
    details: tuple[Template, ...]
    requests: tuple[Frag, ...]
    asks: tuple[Template, ...]
    ideas: tuple[Template, ...]
    replies: tuple[str, ...]  # the unit's follow-ups; str.format with unit, kel, kec, kota, jalan
    classification: tuple[int, int, int]  # weights of pengaduan, aspirasi, permintaan_informasi


def topic(
    key: str,
    weight: int,
    categories: tuple[tuple[str, tuple[str, ...]], ...],
    units: tuple[tuple[str, int], ...],
    objects: tuple[str, ...],
    titles: tuple[str, ...],
    problems: tuple[str, ...],
    details: tuple[str, ...],
    requests: tuple[str, ...],
    asks: tuple[str, ...],
    ideas: tuple[str, ...],
    replies: tuple[str, ...],
    classification: tuple[int, int, int] = (86, 7, 7),
) -> Topic:
    return Topic(
        key,
        weight,
        categories,
        units,
        frags(objects),
        compile_all(titles),
        compile_all(problems),
        compile_all(details),
        frags(requests),
        compile_all(asks),
        compile_all(ideas),
        replies,
        classification,
    )


PU = "PEKERJAAN UMUM DAN PENATAAN RUANG"
LH = "LINGKUNGAN HIDUP DAN KEHUTANAN"

TOPICS: tuple[Topic, ...] = (
    topic(
        "jalan",
        15,
        (
            (
                PU,
                (
                    "INFRASTRUKTUR JALAN",
                    "JALAN BERLUBANG",
                    "LAINNYA TERKAIT INFRASTRUKTUR JALAN",
                    "TROTOAR",
                ),
            ),
        ),
        (("PUPR", 55), ("KOTA", 45)),
        (
            "jalan berlubang",
            "perbaikan jalan",
            "jalan rusak",
            "jalan lingkungan",
            "aspal jalan",
            "jalan poros",
        ),
        (
            "Jalan rusak parah di {jalan}, {kota}",
            "Jalan berlubang di {jalan} belum diperbaiki",
            "Lubang besar di {jalan} membahayakan pengendara",
            "Perbaikan jalan di {kel} terbengkalai",
            "Aspal {jalan} mengelupas dan bergelombang",
            "Jalan poros di Kecamatan {kec} rusak berat",
            "Kapan {jalan} diperbaiki?",
            "Jalan lingkungan {kel} becek dan berlubang",
            "Tambalan jalan di {jalan} sudah rusak lagi",
            "Jalan amblas di {jalan}, {kel}",
        ),
        (
            "Jalan di {jalan} berlubang cukup dalam dan belum diperbaiki {waktu}.",
            "Ruas {jalan} dekat Kelurahan {kel} rusak parah, aspalnya mengelupas di banyak titik.",
            "Di {jalan} ada lubang besar di tengah jalan yang tertutup genangan air saat hujan.",
            "Jalan menuju permukiman kami di {kel} rusak berat dan sulit dilalui kendaraan.",
            "Perbaikan jalan di {jalan} berhenti di tengah jalan, material dibiarkan menumpuk di "
            "bahu jalan.",
            "Jalan yang baru diaspal tahun lalu di {jalan} sudah retak dan amblas.",
            "Sebagian badan jalan di {jalan} amblas sehingga hanya bisa dilalui satu kendaraan.",
        ),
        (
            "Sudah ada beberapa pengendara sepeda motor yang terjatuh di lokasi ini.",
            "Saat hujan, lubang tertutup air sehingga tidak terlihat oleh pengendara.",
            "Lokasinya tidak jauh dari sekolah dasar di Kelurahan {kel}.",
            "Truk bermuatan berat sering melintas sehingga kerusakan makin parah.",
            "Lampu penerangan di sekitar lokasi juga mati sehingga berbahaya pada malam hari.",
            "Warga sudah memasang tanda peringatan seadanya dari ranting pohon.",
            "Panjang kerusakan kurang lebih dua ratus meter.",
            "Jalan ini adalah akses utama warga menuju pasar dan puskesmas.",
        ),
        (
            "Mohon jalan ini segera diperbaiki.",
            "Mohon segera dilakukan penambalan sementara.",
            "Kami minta kejelasan apakah jalan ini kewenangan provinsi atau kota.",
        ),
        (
            "Apakah perbaikan {jalan} sudah masuk anggaran tahun ini?",
            "Mohon informasi status jalan {jalan}: jalan provinsi atau jalan kota?",
        ),
        (
            "Kami mengusulkan agar {jalan} dilengkapi drainase di kedua sisi saat diperbaiki.",
            "Kami usulkan pemasangan polisi tidur dan rambu di {jalan} dekat sekolah.",
        ),
        (
            "Tim UPTD {unit} telah meninjau lokasi di {jalan}. Penambalan sementara dijadwalkan "
            "pekan ini, sedangkan perbaikan menyeluruh masuk usulan anggaran tahun depan.",
            "Ruas jalan tersebut sudah diperbaiki oleh tim pemeliharaan rutin. Mohon konfirmasi "
            "apabila masih ada kerusakan.",
            "Laporan telah kami teruskan ke bidang bina marga. Survei lapangan dilakukan minggu "
            "depan dan hasilnya akan kami sampaikan melalui kanal ini.",
            "Jalan tersebut sedang dalam proses pengadaan pekerjaan pemeliharaan berkala; "
            "pekerjaan fisik direncanakan mulai bulan depan.",
        ),
    ),
    topic(
        "drainase",
        7,
        ((PU, ("DRAINASE (GORONG-GORONG/PARIT)", "SUMBER DAYA AIR")), (LH, ("BANJIR",))),
        (("KOTA", 45), ("PUPR", 30), ("BPBD", 10), ("DLH", 15)),
        ("drainase", "gorong-gorong", "saluran air", "parit", "banjir"),
        (
            "Banjir setiap hujan di {kel}, {kota}",
            "Drainase tersumbat di {jalan}",
            "Gorong-gorong di {jalan} ambruk",
            "Parit di {kel} penuh sampah dan lumpur",
            "Air meluap ke rumah warga di {kec}",
            "Normalisasi saluran air di {kel} tidak tuntas",
        ),
        (
            "Setiap hujan deras, {jalan} dan permukiman di {kel} tergenang air setinggi lutut.",
            "Saluran drainase di {jalan} tersumbat sedimen dan sampah {waktu}.",
            "Gorong-gorong di depan rumah warga di {kel} ambruk sehingga air tidak mengalir.",
            "Parit di sepanjang {jalan} dangkal dan penuh lumpur, air meluap ke jalan.",
            "Banjir di Kecamatan {kec} makin sering terjadi dan surutnya lama.",
        ),
        (
            "Air masuk ke dalam rumah dan merusak perabot warga.",
            "Genangan menjadi sarang nyamuk dan warga khawatir demam berdarah.",
            "Kendaraan sering mogok saat melintas genangan.",
            "Warga sudah kerja bakti membersihkan parit tetapi endapannya terlalu banyak.",
            "Penutup saluran banyak yang hilang sehingga berbahaya bagi pejalan kaki.",
        ),
        ("Mohon dilakukan normalisasi saluran.", "Mohon gorong-gorong segera diganti."),
        ("Kapan jadwal normalisasi drainase di Kecamatan {kec}?",),
        ("Kami mengusulkan pembangunan kolam retensi di sekitar {kel} untuk mengurangi banjir.",),
        (
            "Tim {unit} telah melakukan pengerukan saluran di {jalan}. Warga diimbau tidak "
            "membuang sampah ke saluran.",
            "Penggantian gorong-gorong masuk program pemeliharaan triwulan ini. Untuk sementara "
            "sedimen sudah dibersihkan.",
            "Laporan sudah kami koordinasikan dengan kelurahan {kel} untuk kerja bakti bersama dan "
            "pengerahan alat berat.",
        ),
    ),
    topic(
        "lampu",
        4,
        (("PERHUBUNGAN", ("LAMPU PENERANGAN JALAN UMUM",)), (PU, ("PENERANGAN JALAN",))),
        (("DISHUB", 50), ("KOTA", 50)),
        ("lampu jalan", "penerangan jalan umum", "lampu PJU", "lampu lalu lintas"),
        (
            "Lampu jalan mati di {jalan}",
            "PJU padam di {kel} sudah lama",
            "Lampu lalu lintas di {jalan} tidak berfungsi",
            "Jalan gelap gulita di {jalan}, {kota}",
        ),
        (
            "Lampu penerangan jalan umum di {jalan} mati {waktu}.",
            "Sepanjang {jalan} di Kelurahan {kel} gelap karena hampir semua lampu PJU padam.",
            "Lampu lalu lintas di simpang {jalan} sering mati dan menyebabkan kemacetan.",
        ),
        (
            "Di lokasi ini sering terjadi penjambretan pada malam hari.",
            "Tiang lampu juga miring dan kabelnya menjuntai.",
            "Pengendara harus ekstra hati-hati karena jalan berlubang tidak terlihat.",
        ),
        ("Mohon lampu segera diperbaiki.",),
        ("Ke mana warga harus melapor jika lampu PJU di {kel} mati?",),
        ("Kami usulkan penambahan lampu PJU tenaga surya di {jalan}.",),
        (
            "Petugas {unit} telah mengganti lampu PJU yang padam di {jalan}.",
            "Kerusakan disebabkan kabel yang dicuri; penggantian kabel dijadwalkan pekan ini.",
        ),
    ),
    topic(
        "sampah",
        7,
        (
            (LH, ("PENGELOLAAN SAMPAH", "SANITASI")),
            ("KETENTERAMAN, KETERTIBAN UMUM, DAN PELINDUNGAN MASYARAKAT", ("SAMPAH LIAR",)),
        ),
        (("DLH", 45), ("KOTA", 55)),
        ("sampah", "tempat pembuangan sampah", "pengangkutan sampah", "TPS liar", "bank sampah"),
        (
            "Sampah menumpuk di {jalan}",
            "TPS liar di {kel}, {kota}",
            "Sampah tidak diangkut berhari-hari",
            "Bau sampah di dekat pasar {kel}",
            "Pembuangan sampah sembarangan di {jalan}",
            "Truk sampah tidak datang ke {kel}",
        ),
        (
            "Sampah menumpuk di pinggir {jalan} dan tidak diangkut {waktu}.",
            "Ada tempat pembuangan sampah liar di lahan kosong dekat {jalan}, Kelurahan {kel}.",
            "Truk pengangkut sampah tidak lagi datang ke lingkungan kami di {kel}.",
            "Kontainer sampah di dekat pasar {kel} selalu penuh dan meluber ke jalan.",
        ),
        (
            "Baunya menyengat sampai ke rumah warga dan mengundang lalat.",
            "Sampah sering dibakar sehingga asapnya mengganggu pernapasan.",
            "Saat hujan, air sampah mengalir ke parit dan menyumbat saluran.",
            "Banyak anjing liar dan tikus di sekitar tumpukan sampah.",
        ),
        ("Mohon sampah segera diangkut.", "Mohon dipasang larangan dan diawasi oleh petugas."),
        ("Bagaimana jadwal pengangkutan sampah di Kecamatan {kec}?",),
        ("Kami usulkan pengadaan bank sampah di {kel} dengan pendampingan dinas.",),
        (
            "Sampah di {jalan} telah diangkut oleh armada {unit}. Jadwal pengangkutan rutin "
            "di wilayah {kel} adalah setiap Senin, Rabu dan Jumat.",
            "Petugas telah memasang papan larangan dan akan melakukan patroli bersama Satpol PP.",
        ),
    ),
    topic(
        "pencemaran",
        4,
        (
            (LH, ("PENCEMARAN LINGKUNGAN", "LAINNYA TERKAIT LINGKUNGAN HIDUP DAN KEHUTANAN")),
            (
                "ENERGI DAN SUMBER DAYA ALAM",
                ("DAMPAK LINGKUNGAN AREA PERTAMBANGAN", "PERTAMBANGAN"),
            ),
        ),
        (("DLH", 60), ("ESDM", 40)),
        ("pencemaran sungai", "limbah", "lubang bekas tambang", "debu batu bara", "tambang ilegal"),
        (
            "Sungai di {kel} tercemar limbah",
            "Lubang bekas tambang di {kec} belum direklamasi",
            "Debu batu bara mengganggu warga {kel}",
            "Dugaan tambang ilegal di {kec}, {kota}",
            "Air sungai berubah warna di {kel}",
        ),
        (
            "Air sungai di sekitar {kel} berubah warna dan berbau, diduga tercemar limbah.",
            "Ada lubang bekas tambang batu bara di Kecamatan {kec} yang dibiarkan terbuka tanpa "
            "pagar.",
            "Debu dari aktivitas angkutan batu bara di {jalan} masuk ke rumah warga {waktu}.",
            "Kami menduga ada aktivitas tambang tanpa izin di dekat permukiman {kel}.",
        ),
        (
            "Lubang tambang berisi air dan sangat berbahaya bagi anak-anak.",
            "Ikan di sungai banyak yang mati.",
            "Warga mengeluh gatal-gatal setelah memakai air sungai.",
            "Alat berat bekerja sampai malam hari.",
        ),
        ("Mohon dilakukan pengecekan kualitas air.", "Mohon ditindak tegas sesuai aturan."),
        ("Apakah perusahaan tambang di {kec} memiliki izin lingkungan?",),
        (
            "Kami usulkan lubang bekas tambang di {kec} dijadikan kolam ikan atau area hijau "
            "setelah reklamasi.",
        ),
        (
            "Tim {unit} telah mengambil sampel air di lokasi dan hasil uji laboratorium akan "
            "disampaikan dalam 14 hari kerja.",
            "Laporan telah diteruskan ke Inspektur Tambang; pemegang izin diminta menutup dan "
            "memasang pagar pengaman pada lubang tambang.",
        ),
    ),
    topic(
        "kesehatan",
        8,
        (
            (
                "KESEHATAN",
                (
                    "ANTRIAN LAMA",
                    "FRONTLINER TIDAK RAMAH",
                    "FASILITAS KESEHATAN",
                    "AKSES FASILITAS KESEHATAN SULIT",
                    "ALAT BANTU KESEHATAN KOSONG",
                    "ALUR PELAYANAN TIDAK JELAS",
                    "FOGGING NYAMUK",
                    "GIZI BURUK/STUNTING",
                ),
            ),
        ),
        (("DINKES", 50), ("RSUD-AWS", 35), ("KOTA", 15)),
        (
            "pelayanan puskesmas",
            "antrean rumah sakit",
            "layanan IGD",
            "fogging",
            "obat di puskesmas",
            "ambulans",
        ),
        (
            "Antrean di RSUD sangat lama",
            "Pelayanan puskesmas {kel} kurang ramah",
            "Obat kosong di puskesmas {kec}",
            "IGD menolak pasien",
            "Permintaan fogging di {kel}",
            "Ambulans puskesmas tidak tersedia",
            "Dokter tidak ada di puskesmas {kel} saat jam kerja",
        ),
        (
            "Saya mengantre di poliklinik rumah sakit dari pukul 07.00 dan baru dilayani pukul "
            "14.00.",
            "Petugas pendaftaran di puskesmas {kel} berbicara kasar kepada pasien lanjut usia.",
            "Obat yang diresepkan dokter tidak tersedia di apotek puskesmas {kec} {waktu}.",
            "Keluarga kami sempat ditolak di IGD dengan alasan kamar penuh.",
            "Di lingkungan kami di {kel} sudah ada tiga warga terkena demam berdarah.",
            "Saat dibutuhkan malam hari, ambulans puskesmas {kec} tidak bisa dihubungi.",
        ),
        (
            "Tidak ada informasi yang jelas tentang urutan antrean.",
            "Kami peserta BPJS Kesehatan dan sudah membawa rujukan lengkap.",
            "Ruang tunggu penuh dan banyak pasien harus berdiri.",
            "Kami diminta membeli obat di apotek luar dengan biaya sendiri.",
        ),
        ("Mohon pelayanan diperbaiki.", "Mohon dilakukan fogging segera."),
        ("Bagaimana prosedur mendapatkan layanan ambulans gratis di {kota}?",),
        ("Kami usulkan sistem antrean daring untuk poliklinik rumah sakit.",),
        (
            "Terima kasih atas masukannya. {unit} telah menegur petugas yang bersangkutan dan "
            "melakukan pembinaan pelayanan prima.",
            "Fogging telah dilaksanakan di wilayah {kel}. Warga diimbau melakukan 3M Plus.",
            "Stok obat sudah didistribusikan kembali dari gudang farmasi ke puskesmas.",
            "Rumah sakit sedang menerapkan antrean daring; pendaftaran dapat dilakukan sehari "
            "sebelumnya.",
        ),
    ),
    topic(
        "bpjs",
        3,
        (
            (
                "KESEHATAN",
                (
                    "ADMINISTRASI BPJS KESEHATAN",
                    "IURAN DAN DENDA BPJS KESEHATAN",
                    "HAK KELAS PERAWATAN",
                    "BESARAN IURAN",
                ),
            ),
        ),
        (("DINKES", 70), ("DINSOS", 30)),
        ("kepesertaan BPJS Kesehatan", "kartu KIS", "PBI JKN", "iuran BPJS"),
        (
            "Kartu KIS tidak aktif",
            "BPJS PBI dinonaktifkan tanpa pemberitahuan",
            "Pendaftaran BPJS bayi baru lahir dipersulit",
            "Iuran BPJS naik tanpa informasi",
        ),
        (
            "Kartu KIS penerima bantuan iuran milik keluarga kami tiba-tiba tidak aktif saat "
            "berobat.",
            "Saya ingin mendaftarkan bayi ke BPJS Kesehatan tetapi diminta mengurus berulang kali.",
            "Status kepesertaan BPJS ibu saya dinonaktifkan padahal masih tergolong tidak mampu.",
        ),
        (
            "Kami terpaksa membayar biaya rumah sakit sebagai pasien umum.",
            "Data kami sudah terdaftar di DTKS.",
            "Petugas hanya menyarankan datang lagi besok.",
        ),
        ("Mohon kepesertaan kami diaktifkan kembali.",),
        ("Apa syarat reaktivasi kepesertaan PBI JKN di {kota}?",),
        ("Kami usulkan layanan jemput bola pendaftaran BPJS di kantor kelurahan.",),
        (
            "Kepesertaan PBI JKN atas nama pelapor telah diaktifkan kembali melalui usulan {unit}.",
            "Pelapor dapat datang ke kantor dinas dengan membawa KK dan KTP untuk reaktivasi.",
        ),
    ),
    topic(
        "pendidikan",
        7,
        (
            (
                "PENDIDIKAN DAN KEBUDAYAAN",
                (
                    "PENERIMAAN SISWA BARU",
                    "BIAYA SEKOLAH",
                    "BEASISWA",
                    "KARTU INDONESIA PINTAR/KIP",
                    "PENDIDIKAN DASAR DAN MENENGAH",
                    "ADMINISTRASI SISWA",
                ),
            ),
            (
                "KEKERASAN DI SATUAN PENDIDIKAN (SEKOLAH, KAMPUS, LEMBAGA KURSUS)",
                ("PERUNDUNGAN (BULLYING)",),
            ),
        ),
        (("DISDIKBUD", 75), ("KOTA", 25)),
        (
            "penerimaan siswa baru",
            "pungutan sekolah",
            "beasiswa Gratispol",
            "KIP",
            "zonasi SPMB",
            "gedung sekolah",
        ),
        (
            "Pungutan liar di SMA negeri {kota}",
            "Sistem zonasi SPMB merugikan warga {kel}",
            "Beasiswa belum cair",
            "Atap kelas SMK di {kec} bocor",
            "Dugaan perundungan di sekolah",
            "Ijazah ditahan sekolah karena tunggakan",
            "Dana KIP tidak diterima siswa",
        ),
        (
            "Sekolah anak kami di {kota} meminta sumbangan wajib dengan nominal yang ditentukan.",
            "Anak saya tidak diterima di SMA terdekat dari rumah kami di {kel} padahal jaraknya "
            "dekat.",
            "Beasiswa yang dijanjikan belum juga cair {waktu}.",
            "Atap ruang kelas di sekolah di Kecamatan {kec} bocor dan plafonnya hampir runtuh.",
            "Ijazah anak saya ditahan oleh sekolah karena masih ada tunggakan uang komite.",
        ),
        (
            "Orang tua yang tidak mampu merasa sangat terbebani.",
            "Siswa terpaksa belajar di ruang perpustakaan.",
            "Kami sudah menemui kepala sekolah namun tidak ada solusi.",
            "Pengumuman hasil seleksi tidak transparan.",
        ),
        ("Mohon dinas pendidikan melakukan pemeriksaan.", "Mohon ijazah dapat segera diserahkan."),
        (
            "Apa saja syarat pendaftaran beasiswa untuk pelajar dari {kota}?",
            "Kapan jadwal SPMB jenjang SMA/SMK tahun ini dibuka?",
        ),
        ("Kami usulkan kuota jalur afirmasi ditambah untuk siswa dari keluarga tidak mampu.",),
        (
            "{unit} telah memanggil kepala sekolah terkait. Sumbangan bersifat sukarela dan tidak "
            "boleh ditentukan nominalnya; sekolah diminta mengembalikan pungutan.",
            "Ijazah dapat diambil di sekolah mulai besok tanpa syarat pelunasan.",
            "Pencairan beasiswa tahap berikutnya dijadwalkan akhir bulan ini; mohon pastikan "
            "rekening penerima aktif.",
        ),
    ),
    topic(
        "adminduk",
        7,
        (
            (
                "KEPENDUDUKAN",
                (
                    "KTP (KARTU TANDA PENDUDUK)",
                    "KARTU KELUARGA",
                    "AKTA KELAHIRAN",
                    "PINDAH DOMISILI",
                    "AKTA KEMATIAN",
                    "KARTU IDENTITAS ANAK",
                    "SINKRONISASI DATA KEPENDUDUKAN",
                ),
            ),
        ),
        (("DISDUKCAPIL", 45), ("KOTA", 55)),
        ("KTP elektronik", "kartu keluarga", "akta kelahiran", "surat pindah", "blangko KTP"),
        (
            "KTP elektronik belum jadi",
            "Blangko KTP kosong di Disdukcapil {kota}",
            "Pengurusan akta kelahiran lama",
            "Data KK tidak sinkron",
            "Surat pindah tidak diproses",
        ),
        (
            "Saya sudah merekam KTP elektronik di kecamatan {kec} tetapi kartunya belum jadi "
            "{waktu}.",
            "Petugas mengatakan blangko KTP sedang kosong dan meminta kami menunggu.",
            "Pengurusan akta kelahiran anak saya tidak selesai meskipun berkas sudah lengkap.",
            "Data di kartu keluarga kami tidak sesuai dengan data di aplikasi bank.",
        ),
        (
            "Kami butuh KTP untuk melamar pekerjaan.",
            "Berkas sudah diserahkan ke kantor kelurahan {kel}.",
            "Antrean di kantor dinas sangat panjang.",
            "Kami sudah bolak-balik lebih dari lima kali.",
        ),
        ("Mohon dokumen kami segera diterbitkan.",),
        ("Apakah pengurusan akta kelahiran bisa dilakukan secara daring di {kota}?",),
        ("Kami usulkan layanan adminduk keliling ke kecamatan terpencil seperti {kec}.",),
        (
            "KTP elektronik atas nama pelapor sudah dicetak dan dapat diambil di kantor "
            "kecamatan {kec}.",
            "Data kependudukan pelapor telah disinkronkan; mohon cek kembali dalam 2x24 jam.",
            "{unit} membuka layanan akta kelahiran daring; berkas dapat diunggah tanpa datang ke "
            "kantor.",
        ),
    ),
    topic(
        "bansos",
        6,
        (
            (
                "SOSIAL DAN KESEJAHTERAAN",
                (
                    "BANSOS DAERAH",
                    "PKH PROGRAM KELUARGA HARAPAN",
                    "DATA TERPADU KESEJAHTERAAN SOSIAL (DTKS)",
                    "BANTUAN PANGAN NON TUNAN (BPNT)",
                    "BANTUAN SOSIAL",
                ),
            ),
            (
                "KESETARAAN GENDER DAN SOSIAL INKLUSIF",
                ("AKSES MASYARAKAT BERKEBUTUHAN KHUSUS/ DISABILITAS", "ANAK TERLANTAR"),
            ),
        ),
        (("DINSOS", 70), ("KOTA", 30)),
        ("bantuan sosial", "PKH", "BPNT", "DTKS", "bantuan lansia"),
        (
            "Bansos tidak tepat sasaran di {kel}",
            "PKH tidak cair",
            "Warga miskin tidak terdaftar DTKS",
            "Penyaluran BPNT dipotong",
            "Lansia terlantar di {kel} butuh bantuan",
        ),
        (
            "Bantuan sosial di Kelurahan {kel} banyak diterima oleh warga yang mampu.",
            "Bantuan PKH keluarga kami tidak cair {waktu} tanpa penjelasan.",
            "Tetangga kami seorang janda dengan tiga anak belum pernah terdaftar di DTKS.",
            "Ada pemotongan dana bantuan oleh oknum pendamping saat penyaluran.",
        ),
        (
            "Kami sudah melapor ke ketua RT namun tidak ada tindak lanjut.",
            "Rumah yang bersangkutan tidak layak huni.",
            "Kami memiliki bukti foto saat penyaluran.",
        ),
        ("Mohon dilakukan verifikasi ulang data penerima.",),
        ("Bagaimana cara mendaftar sebagai penerima bantuan sosial di {kota}?",),
        ("Kami usulkan daftar penerima bansos diumumkan di kantor kelurahan agar transparan.",),
        (
            "Data pelapor telah diusulkan masuk DTKS melalui musyawarah kelurahan {kel}.",
            "Pendamping PKH yang bersangkutan telah dipanggil dan diperiksa oleh {unit}.",
            "Bantuan yang tertunda sudah disalurkan kembali melalui bank penyalur.",
        ),
    ),
    topic(
        "perhubungan",
        4,
        (
            (
                "PERHUBUNGAN",
                (
                    "PARKIR LIAR",
                    "TRANSPORTASI DARAT",
                    "TRANSPORTASI LAUT",
                    "TRANSPORTASI ONLINE",
                    "LAINNYA TERKAIT PERHUBUNGAN",
                ),
            ),
        ),
        (("DISHUB", 80), ("KOTA", 20)),
        ("parkir liar", "angkutan umum", "kapal penyeberangan", "truk ODOL", "terminal"),
        (
            "Parkir liar di {jalan}",
            "Juru parkir memungut tarif berlebihan",
            "Truk ODOL melintas di {jalan}",
            "Jadwal kapal penyeberangan tidak jelas",
            "Angkot ngetem sembarangan di {jalan}",
        ),
        (
            "Di {jalan} banyak kendaraan parkir di badan jalan sehingga macet setiap sore.",
            "Juru parkir di depan pertokoan {jalan} meminta tarif melebihi ketentuan.",
            "Truk bermuatan berlebih sering melintas di {jalan} dan merusak jalan.",
            "Jadwal kapal penyeberangan Penajam-Balikpapan sering berubah tanpa pengumuman.",
        ),
        (
            "Tidak ada karcis resmi yang diberikan.",
            "Kemacetan bisa mencapai satu kilometer.",
            "Petugas jarang terlihat di lokasi.",
        ),
        ("Mohon dilakukan penertiban.",),
        ("Berapa tarif resmi parkir tepi jalan di {kota}?",),
        ("Kami usulkan trayek angkutan umum baru yang melewati {kel}.",),
        (
            "Tim {unit} bersama kepolisian telah melakukan penertiban parkir di {jalan}.",
            "Tarif resmi parkir tepi jalan sesuai Perda; juru parkir tanpa rompi dan karcis resmi "
            "akan ditindak.",
        ),
    ),
    topic(
        "air_listrik",
        5,
        (
            (
                "ENERGI DAN SUMBER DAYA ALAM",
                (
                    "LAYANAN AIR MINUM",
                    "GANGGUAN LAYANAN PENYALURAN AIR",
                    "BIAYA/TARIF PDAM",
                    "PEMADAMAN LISTRIK",
                    "KELANGKAAN BBM/ELPIJI",
                    "GAS BERSUBSIDI",
                ),
            ),
        ),
        (("KOTA", 55), ("ESDM", 30), ("PUPR", 15)),
        ("air PDAM", "aliran air bersih", "pemadaman listrik", "elpiji 3 kg", "solar subsidi"),
        (
            "Air PDAM mati di {kel}",
            "Tagihan PDAM melonjak",
            "Pemadaman listrik bergilir di {kota}",
            "Elpiji 3 kg langka di {kec}",
            "Antrean solar di SPBU {jalan}",
        ),
        (
            "Air PDAM di Kelurahan {kel} tidak mengalir {waktu}.",
            "Tagihan air bulan ini naik tiga kali lipat padahal pemakaian biasa saja.",
            "Listrik di {kota} sering padam tanpa pemberitahuan.",
            "Elpiji 3 kg sulit didapat di pangkalan di Kecamatan {kec} dan harganya di atas HET.",
            "Antrean truk solar di SPBU {jalan} mengular hingga ke badan jalan.",
        ),
        (
            "Warga terpaksa membeli air tandon dengan harga mahal.",
            "Peralatan elektronik warga rusak.",
            "Harga elpiji di pengecer mencapai empat puluh ribu rupiah.",
        ),
        ("Mohon solusi segera.",),
        ("Berapa harga eceran tertinggi elpiji 3 kg di {kota}?",),
        ("Kami usulkan pembangunan jaringan pipa PDAM sampai ke {kel}.",),
        (
            "Gangguan distribusi air disebabkan pipa transmisi bocor; perbaikan selesai dan aliran "
            "air sudah normal.",
            "{unit} telah berkoordinasi dengan Pertamina untuk menambah pasokan elpiji di {kec}.",
        ),
    ),
    topic(
        "pajak_izin",
        4,
        (
            (
                "EKONOMI DAN KEUANGAN",
                ("PAJAK DAERAH", "RETRIBUSI PAJAK", "PENANAMAN MODAL/ INVESTASI"),
            ),
            ("TEKNOLOGI INFORMASI DAN KOMUNIKASI", ("APLIKASI PERIZINAN",)),
        ),
        (("BAPENDA", 50), ("DPMPTSP", 50)),
        ("pajak kendaraan", "samsat", "perizinan usaha", "NIB", "pemutihan pajak"),
        (
            "Antrean Samsat {kota} panjang",
            "Denda pajak kendaraan tidak sesuai",
            "Izin usaha lama diproses",
            "Aplikasi perizinan OSS error",
            "Program pemutihan pajak kendaraan",
        ),
        (
            "Saya membayar pajak kendaraan di Samsat {kota} tetapi dikenakan denda yang tidak "
            "sesuai.",
            "Pengajuan izin usaha saya melalui DPMPTSP belum selesai {waktu}.",
            "Aplikasi perizinan sering gagal saat mengunggah dokumen.",
        ),
        ("Sudah ada bukti pembayaran sebelumnya.", "Nomor pengajuan sudah saya simpan."),
        ("Mohon dicek kembali.",),
        ("Apakah ada program pemutihan pajak kendaraan tahun ini di Kalimantan Timur?",),
        ("Kami usulkan Samsat keliling dijadwalkan lebih sering di {kec}.",),
        (
            "Denda telah dihitung ulang oleh {unit}; kelebihan bayar dapat dikompensasikan pada "
            "pembayaran berikutnya.",
            "Izin usaha pelapor telah terbit dan dapat diunduh melalui aplikasi.",
        ),
    ),
    topic(
        "kepegawaian",
        4,
        (
            (
                "KETENAGAKERJAAN",
                (
                    "TENAGA HONORER",
                    "GAJI DAN TUKIN",
                    "HAK PEKERJA",
                    "CPNS",
                    "GAJI PEKERJA",
                    "LAINNYA TERKAIT KETENAGAKERJAAN",
                ),
            ),
        ),
        (("BKD", 45), ("DISNAKERTRANS", 55)),
        ("gaji honorer", "THR pekerja", "upah minimum", "seleksi PPPK", "PHK sepihak"),
        (
            "Gaji honorer belum dibayar",
            "Perusahaan tidak membayar THR",
            "PHK sepihak di {kota}",
            "Upah di bawah UMK",
            "Seleksi PPPK tidak transparan",
        ),
        (
            "Gaji tenaga honorer di sekolah kami belum dibayarkan {waktu}.",
            "Perusahaan tempat saya bekerja di {kota} tidak membayar THR tahun ini.",
            "Saya diberhentikan tanpa pesangon setelah bekerja lima tahun.",
            "Upah yang kami terima masih di bawah UMK {kota}.",
        ),
        (
            "Kami memiliki slip gaji sebagai bukti.",
            "Ada puluhan pekerja yang mengalami hal serupa.",
        ),
        ("Mohon dilakukan pemeriksaan oleh pengawas ketenagakerjaan.",),
        ("Berapa besaran UMK {kota} tahun ini?",),
        ("Kami usulkan posko pengaduan THR dibuka di setiap kabupaten/kota.",),
        (
            "Pengawas ketenagakerjaan {unit} telah memeriksa perusahaan dan menerbitkan nota "
            "pemeriksaan agar THR dibayarkan.",
            "Pembayaran gaji honorer tertunda karena proses administrasi anggaran; pembayaran "
            "dilakukan pekan ini.",
        ),
    ),
    topic(
        "ketertiban",
        3,
        (
            (
                "KETENTERAMAN, KETERTIBAN UMUM, DAN PELINDUNGAN MASYARAKAT",
                ("KETERTIBAN UMUM", "KERESAHAN MASYARAKAT", "PEMADAMAN KEBAKARAN"),
            ),
        ),
        (("SATPOLPP", 70), ("KOTA", 30)),
        ("pedagang kaki lima", "balap liar", "tempat hiburan malam", "bangunan liar"),
        (
            "PKL berjualan di trotoar {jalan}",
            "Balap liar setiap malam di {jalan}",
            "Tempat hiburan malam buka melewati batas jam",
            "Bangunan liar di bantaran sungai {kel}",
        ),
        (
            "Pedagang kaki lima berjualan di trotoar {jalan} sehingga pejalan kaki turun ke jalan.",
            "Setiap malam minggu ada balap liar di {jalan} sampai dini hari.",
            "Musik keras dari tempat hiburan di {kel} terdengar sampai pukul tiga pagi.",
        ),
        ("Warga sudah menegur tetapi tidak dihiraukan.", "Kejadian ini berulang setiap minggu."),
        ("Mohon dilakukan penertiban.",),
        ("Ke mana melapor jika ada gangguan ketertiban di malam hari di {kota}?",),
        ("Kami usulkan relokasi PKL ke lokasi khusus yang tertata di {kec}.",),
        (
            "Satpol PP telah melakukan penertiban dan pembinaan kepada pedagang di {jalan}.",
            "Patroli malam dijadwalkan rutin bersama kepolisian di lokasi yang dilaporkan.",
        ),
    ),
    topic(
        "tik",
        3,
        (
            (
                "TEKNOLOGI INFORMASI DAN KOMUNIKASI",
                (
                    "LAYANAN ONLINE/APLIKASI PEMERINTAH",
                    "JARINGAN INTERNET",
                    "TIANG JARINGAN INTERNET",
                    "KONTEN PENIPUAN",
                ),
            ),
            (
                "SP4N-LAPOR!",
                ("GANGGUAN APLIKASI SP4N-LAPOR!", "KRITIK DAN SARAN UNTUK SP4N-LAPOR!"),
            ),
        ),
        (("DISKOMINFO", 100),),
        ("situs pemerintah", "jaringan internet desa", "tiang kabel internet", "aplikasi layanan"),
        (
            "Situs resmi pemprov tidak bisa diakses",
            "Tiang kabel internet miring di {jalan}",
            "Desa di {kec} belum ada sinyal",
            "Aplikasi layanan publik sering error",
        ),
        (
            "Situs layanan pemerintah provinsi tidak bisa dibuka {waktu}.",
            "Tiang dan kabel internet di {jalan} miring dan menjuntai ke jalan.",
            "Di beberapa desa di Kecamatan {kec} belum ada sinyal telepon maupun internet.",
        ),
        ("Kabel yang menjuntai bisa tersangkut kendaraan.", "Siswa kesulitan belajar daring."),
        ("Mohon diperbaiki.",),
        ("Apakah ada program internet desa untuk Kecamatan {kec}?",),
        ("Kami usulkan titik wifi publik gratis di taman kota {kota}.",),
        (
            "{unit} telah meminta penyelenggara jaringan merapikan tiang dan kabel di {jalan}.",
            "Gangguan situs disebabkan pemeliharaan server dan sudah pulih.",
        ),
    ),
    topic(
        "pertanian",
        2,
        (
            (
                "PERTANIAN DAN PETERNAKAN",
                (
                    "PUPUK",
                    "BANTUAN PERTANIAN",
                    "IRIGASI PERTANIAN",
                    "BIBIT PERTANIAN",
                    "PETERNAKAN",
                ),
            ),
        ),
        (("DPTPH", 100),),
        ("pupuk bersubsidi", "bantuan alsintan", "irigasi sawah", "bibit"),
        (
            "Pupuk bersubsidi langka di {kec}",
            "Bantuan alsintan tidak merata",
            "Saluran irigasi sawah di {kel} rusak",
        ),
        (
            "Petani di Kecamatan {kec} kesulitan mendapatkan pupuk bersubsidi menjelang musim "
            "tanam.",
            "Bantuan traktor hanya diberikan kepada kelompok tani tertentu.",
            "Saluran irigasi di {kel} jebol sehingga sawah kekeringan.",
        ),
        ("Harga pupuk di kios jauh di atas HET.", "Musim tanam tinggal dua minggu lagi."),
        ("Mohon segera dibantu.",),
        ("Bagaimana cara kelompok tani mengajukan bantuan alsintan?",),
        ("Kami usulkan penyuluh pertanian ditambah di {kec}.",),
        ("Alokasi pupuk bersubsidi untuk {kec} telah ditambah dan disalurkan melalui kios resmi.",),
    ),
    topic(
        "desa",
        2,
        (
            (
                "PEMBANGUNAN DESA, DAERAH TERTINGGAL, DAN TRANSMIGRASI",
                (
                    "DANA DESA",
                    "PENYALAHGUNAAN DANA DESA",
                    "PEMERINTAHAN DESA",
                    "BLT (BANTUAN LANGSUNG TUNAI) DANA DESA",
                ),
            ),
        ),
        (("DPMPD", 75), ("KOTA", 25)),
        ("dana desa", "BLT dana desa", "BUMDes", "pemerintahan desa"),
        (
            "Dugaan penyalahgunaan dana desa",
            "BLT dana desa tidak transparan",
            "Proyek desa mangkrak di {kec}",
        ),
        (
            "Penggunaan dana desa di desa kami di Kecamatan {kec} tidak pernah diumumkan kepada "
            "warga.",
            "Pembangunan jalan usaha tani yang dibiayai dana desa tidak selesai.",
            "Penerima BLT dana desa tidak diumumkan dan banyak warga miskin tidak menerima.",
        ),
        ("Papan informasi APBDes tidak dipasang.", "Kepala desa sulit ditemui."),
        ("Mohon dilakukan audit.",),
        ("Bagaimana warga dapat melihat laporan penggunaan dana desa?",),
        ("Kami usulkan musyawarah desa terbuka yang disiarkan langsung.",),
        ("Laporan telah diteruskan ke Inspektorat untuk audit penggunaan dana desa.",),
    ),
    topic(
        "pungli",
        2,
        (
            (
                "POLITIK DAN HUKUM",
                ("PUNGUTAN LIAR", "PENYALAHGUNAAN WEWENANG", "KORUPSI, KOLUSI, DAN NEPOTISME"),
            ),
            ("NETRALITAS ASN", ("ASN KAMPANYE POLITIK DI MEDIA SOSIAL",)),
        ),
        (("INSPEKTORAT", 100),),
        ("pungutan liar", "penyalahgunaan wewenang", "gratifikasi", "netralitas ASN"),
        (
            "Pungli dalam pengurusan surat di {kel}",
            "Oknum ASN meminta uang pelicin",
            "ASN ikut kampanye di media sosial",
        ),
        (
            "Saat mengurus surat keterangan di kantor kelurahan {kel}, saya diminta membayar "
            "biaya tambahan.",
            "Seorang oknum pegawai meminta uang agar berkas saya diproses lebih cepat.",
            "Seorang ASN di {kota} aktif mengunggah ajakan memilih calon tertentu.",
        ),
        ("Tidak ada kuitansi resmi.", "Saya memiliki tangkapan layar percakapan."),
        ("Mohon ditindak tegas.",),
        ("Ke mana melaporkan dugaan pungli agar identitas pelapor terlindungi?",),
        ("Kami usulkan tarif resmi layanan dipasang di setiap kantor pelayanan.",),
        ("Inspektorat telah menerima laporan dan melakukan klarifikasi kepada pihak terlapor.",),
        (80, 5, 15),
    ),
    topic(
        "lainnya",
        3,
        (
            ("AGAMA", ()),
            ("PERLINDUNGAN KONSUMEN", ()),
            ("PROGRAM MAKAN BERGIZI GRATIS (MBG)", ()),
            (
                "EKONOMI DAN KEUANGAN",
                ("PEMANTAUAN HARGA BAHAN POKOK", "KETERSEDIAAN BARANG KEBUTUHAN POKOK"),
            ),
            ("TOPIK LAINNYA", ()),
            ("TOPIK KHUSUS", ()),
        ),
        (("SETDA", 60), ("KOTA", 40)),
        ("harga kebutuhan pokok", "makan bergizi gratis", "layanan publik", "fasilitas ibadah"),
        (
            "Harga bahan pokok naik di pasar {kel}",
            "Menu makan bergizi gratis tidak layak",
            "Keluhan layanan publik di {kota}",
            "Pelayanan kantor {kec} lambat",
        ),
        (
            "Harga beras dan minyak goreng di pasar {kel} naik tajam {waktu}.",
            "Menu makan bergizi gratis di sekolah anak saya di {kec} sering basi.",
            "Pelayanan di kantor kecamatan {kec} sangat lambat dan petugas sering tidak di tempat.",
        ),
        ("Warga kecil makin terbebani.", "Sudah disampaikan ke pihak sekolah."),
        ("Mohon ditindaklanjuti.",),
        ("Bagaimana mekanisme pengaduan layanan publik di {kota}?",),
        ("Kami usulkan operasi pasar rutin di {kec}.",),
        ("Laporan telah diteruskan kepada perangkat daerah terkait untuk ditindaklanjuti.",),
    ),
)

# ---------------------------------------------------------------------------------------------
# What officers and reporters write on the timeline (not indexed for search)

HOLD_REASONS = (
    "Lokasi kejadian belum jelas; mohon pelapor melengkapi alamat lengkap.",
    "Mohon pelapor melampirkan foto atau bukti pendukung.",
    "Data pelapor belum lengkap untuk verifikasi.",
    "Mohon dijelaskan waktu kejadian dan nama instansi yang dilaporkan.",
    "Isi laporan kurang jelas; mohon dirinci permasalahannya.",
)
ARCHIVE_REASONS = (
    "Laporan tidak dapat ditindaklanjuti karena bukan laporan pengaduan.",
    "Konten tidak pantas (spam).",
    "Di luar kewenangan Pemerintah Provinsi Kalimantan Timur dan kabupaten/kota.",
    "Pelapor tidak melengkapi data dalam batas waktu.",
    "Laporan berisi uji coba aplikasi.",
)
RETURN_REASONS = (
    "Bukan wewenang {unit}: lokasi merupakan kewenangan pemerintah kabupaten/kota.",
    "Bukan wewenang {unit}; mohon didisposisikan ke perangkat daerah yang membidangi.",
    "Substansi laporan di luar tugas dan fungsi {unit}.",
    "Bukan wewenang {unit}: objek laporan merupakan aset instansi vertikal.",
)
NOTES = (
    "Sudah dikoordinasikan dengan UPTD wilayah.",
    "Menunggu hasil survei lapangan.",
    "Pelapor sudah dihubungi lewat telepon, minta dikabari perkembangannya.",
    "Perlu koordinasi dengan bidang lain sebelum menjawab.",
    "Draf tanggapan sedang diperiksa kepala bidang.",
    "Kasus serupa pernah dilaporkan; cek laporan sebelumnya.",
    "Anggaran perbaikan diusulkan pada APBD perubahan.",
    "Dokumentasi lapangan sudah diunggah ke folder bidang.",
)
REPLIES_UNSOLVED = (
    "Sampai hari ini belum ada perbaikan.",
    "Terima kasih atas tanggapannya, tetapi kondisinya masih sama.",
    "Petugas belum datang ke lokasi.",
    "Jawaban ini tidak menyelesaikan masalah kami.",
    "Kapan tepatnya akan dikerjakan? Mohon kepastian.",
    "Masalahnya muncul lagi setelah seminggu.",
)
REPLIES_SOLVED = (
    "Terima kasih, sudah diperbaiki.",
    "Terima kasih, masalah sudah selesai.",
    "Sudah beres, terima kasih atas respons cepatnya.",
    "Alhamdulillah sudah ditangani. Terima kasih.",
)
COMPLETIONS = (
    "Berikut alamat lengkap lokasi kejadian beserta titik koordinatnya.",
    "Foto lokasi sudah saya kirim ulang melalui aplikasi.",
    "Kejadiannya sejak awal bulan ini, di depan rumah nomor 12.",
    "Data sudah saya lengkapi sesuai permintaan admin.",
)
REOPEN_REASONS = (
    "Pelapor menyatakan masalah belum selesai.",
    "Ditutup keliru; tindak lanjut belum dilaksanakan.",
    "Kerusakan terjadi lagi di lokasi yang sama.",
)
REPLY_OPENERS = (
    "Terima kasih atas laporan Saudara.",
    "Terima kasih telah menyampaikan laporan melalui SP4N-LAPOR!",
    "Menindaklanjuti laporan Saudara,",
    "Dengan hormat, kami sampaikan bahwa",
)
REPLY_CLOSERS = (
    "Terima kasih.",
    "Silakan sampaikan kembali apabila masih terdapat kendala.",
    "Informasi lebih lanjut dapat menghubungi call center kami.",
    "",
)
DUPLICATE_REASON = "Laporan ganda dengan #{tracking_no}."
