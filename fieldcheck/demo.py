"""A realistic demo office for trying FieldCheck: `fieldcheck demo`. Never run in production."""

import os
from datetime import date, timedelta
from pathlib import Path

from fieldcheck import accounts, audit
from fieldcheck.domain import case_states, identity, roles
from fieldcheck.domain.recruiters import ANSWERS as RECRUITER_ANSWERS
from fieldcheck.domain.recruiters import normalise_phone as normalise_recruiter_phone
from fieldcheck.models import Case, Region, Team, User

DEMO_PASSWORD = "fieldcheck-demo"  # noqa: S105  (documented demo accounts, made only by `demo`)

# The regions the demo uses, with their real Kemendagri codes, so that it runs without the
# full table; `fieldcheck regions import` loads all 91,599.
DEMO_REGIONS = [
    ("32", "Jawa Barat"),
    ("32.04", "Kabupaten Bandung"),
    ("32.05", "Kabupaten Garut"),
    ("32.73", "Kota Bandung"),
    ("32.04.05", "Cileunyi"),
    ("32.04.12", "Dayeuhkolot"),
    ("32.04.13", "Banjaran"),
    ("32.04.15", "Pangalengan"),
    ("32.05.01", "Garut Kota"),
    ("32.05.04", "Tarogong Kaler"),
    ("32.05.10", "Kadungora"),
    ("32.04.05.2001", "Cileunyi Kulon"),
    ("32.04.05.2002", "Cileunyi Wetan"),
    ("32.04.12.2002", "Dayeuhkolot"),
    ("32.04.12.2003", "Cangkuang Wetan"),
    ("32.04.13.2001", "Kamasan"),
    ("32.04.13.2003", "Banjaran"),
    ("32.04.15.2001", "Pangalengan"),
    ("32.04.15.2002", "Margaluyu"),
    ("32.05.01.1001", "Kota Kulon"),
    ("32.05.01.1002", "Kota Wetan"),
    ("32.05.04.2001", "Sukajadi"),
    ("32.05.10.2001", "Kadungora"),
    # More districts the demo cases come from (names as in wilayah-2025.csv).
    ("32.04.29", "Ciparay"),
    ("32.04.33", "Majalaya"),
    ("32.05.20", "Cisurupan"),
    ("32.73.16", "Kiaracondong"),
    ("32.73.25", "Cibiru"),
    ("32.04.29.2001", "Ciparay"),
    ("32.04.29.2004", "Cikoneng"),
    ("32.04.33.2001", "Majalaya"),
    ("32.04.33.2002", "Wangisagara"),
    ("32.05.20.2001", "Cisurupan"),
    ("32.73.16.1001", "Sukapura"),
    ("32.73.25.1002", "Cipadung"),
    # One applicant's NIK was issued in Central Java, outside the office's area.
    ("33", "Jawa Tengah"),
    ("33.01", "Kabupaten Cilacap"),
    ("33.01.14", "Majenang"),
    ("33.01.14.2004", "Jenang"),
]

DEMO_USERS = [
    # username, name, role, team index, agency
    ("admin", "Rina Marlina", roles.ADMIN, None, roles.IMMIGRATION),
    ("intake", "Dewi Anggraini", roles.INTAKE, None, roles.IMMIGRATION),
    ("field1", "Agus Setiawan", roles.FIELD, 0, roles.IMMIGRATION),
    ("field2", "Bripka Yusuf Hidayat", roles.FIELD, 0, roles.POLICE),
    ("registry", "Siti Rahmawati", roles.REGISTRY, None, roles.REGIONAL_GOVERNMENT),
    ("supervisor", "Hendra Gunawan", roles.SUPERVISOR, None, roles.IMMIGRATION),
    ("passport", "Putri Ayu Lestari", roles.PASSPORT, None, roles.IMMIGRATION),
    # The directorate's syndicate analyst at headquarters: no office (issue 16).
    ("analyst", "Bayu Pratama", roles.ANALYST, None, roles.IMMIGRATION),
]


# The demo's cases: passport applications the office referred for a field check. Names, places,
# sponsors and phone numbers are invented; region codes are real. Ages and dates are counted back
# from the day the demo is made (`ago`: days before it), so a minor is a minor whenever it runs.
# Each case is made and moved by the service functions, as the desk and the field would.
#
#   nik_sex / nik_age  what the NIK encodes when it differs from the stated sex / age
#   nik_district       the NIK's district when it is not the home district (outside the area)
#   family             applicants who share a family card (KK)
#   state, officer     where the case stands; officer None: the team, no one officer
#   end                the reason (cancelled), comment (returned) or decision's note (verified,
#                      refused) of the last move
#   refusal            a refusal's reasons (review.service.REFUSAL_REASONS); police_unit the
#                      Police unit the case is referred to
GOLDEN_SUN = "Golden Sun Trading Co. Ltd, Phnom Penh"
ROYAL_CROWN = "Royal Crown Entertainment, Sihanoukville"
STAR_BAY = "Star Bay Technology Co. Ltd, Bavet"
DRAGON_PEARL = "Dragon Pearl Investment, Poipet"
SHWE_LIN = "Shwe Lin Digital Co., Myawaddy"
KH_WORK = {"dest": "KH", "purpose": "work", "visa": "visit", "employer": True}
KH_REASONS = ["doubtful_purpose", "high_risk_destination", "recruiter_suspected"]

# Who offered the job, as intake heard it (issue 16), by the demo case's applicant. One
# recruiter written four ways (linked by the phone and the handle), one linked by name with
# agency and then by a bank account, and two different women both called Siti Aminah, whom
# nothing ties together. The numbers, handles and accounts are invented.
BU_RINA_PHONE = "+855 12 345 678"
DEMO_RECRUITERS = {
    "Rina Kurniasari": {
        "recruiter_name": "Bu Rina", "recruiter_phone": BU_RINA_PHONE,
        "recruiter_handle": "@rina.kerja.kh", "recruiter_agency": "PT Golden Sun Indonesia",
    },
    "Nia Kurniawati": {"recruiter_name": "Rina", "recruiter_phone": "+85512345678"},
    "Siti Nurhaliza": {"recruiter_name": "Ibu Rina", "recruiter_phone": "+855 12-345-678"},
    "Neng Rina": {"recruiter_name": "Rina", "recruiter_handle": "t.me/Rina.Kerja.KH"},
    "Euis Sumarni": {
        "recruiter_name": "Moh. Rizki", "recruiter_agency": "PT. Maju Jaya Abadi",
        "recruiter_account": "1234-5678-90",
    },
    "Sri Wahyuni": {"recruiter_name": "Muhammad Rizky", "recruiter_agency": "Maju Jaya Abadi"},
    "Lina Herlina": {"recruiter_name": "Rizki", "recruiter_account": "12345 67890"},
    "Asep Saepudin": {"recruiter_name": "Siti Aminah", "recruiter_phone": "0813 1111 2222"},
    "Wulan Sari": {"recruiter_name": "Siti Aminah", "recruiter_phone": "0813 9999 8888"},
}  # fmt: skip

DEMO_CASES = [
    # --- referred: waiting for a team -----------------------------------------------------
    {
        "name": "Neng Rina", "sex": "F", "age": 21, "district": "32.04.15",
        "village": "32.04.15.2002", "address": "Kp. Cibeureum RT 02 RW 08",
        "ago": 1, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk", "diploma"],
        "reasons": KH_REASONS, "priority": "high", "state": "referred",
        "notes": "Mengaku ditawari kerja sebagai admin customer service di Phnom Penh lewat grup "
        "Facebook 'Loker Luar Negeri Gaji Besar'; gaji dijanjikan USD 800 per bulan. Tiket "
        "dibayar oleh 'bos' yang belum pernah ia temui.",
    },
    {
        "name": "Yuyun Wahyuni", "sex": "F", "age": 23, "district": "32.05.04",
        "village": "32.05.04.2001", "address": "Kp. Sukajadi RT 04 RW 02", "birth_place": "Garut",
        "ago": 2, **KH_WORK, "sponsor": ROYAL_CROWN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "referred",
        "notes": "Tawaran kerja sebagai marketing online lewat TikTok; perekrut menghubungi lewat "
        "WhatsApp dengan nomor +855. Pemohon tidak tahu di kota mana ia akan bekerja.",
    },
    {
        "name": "Euis Sumarni", "sex": "F", "age": 19, "district": "32.05.10",
        "village": "32.05.10.2001", "address": "Kp. Babakan Loa RT 01 RW 05",
        "birth_place": "Garut", "ago": 3, "dest": "MM", "purpose": "work", "visa": "visit",
        "sponsor": SHWE_LIN, "employer": True, "docs": ["ktp", "kk"],
        "reasons": ["accompanied", "high_risk_destination", "recruiter_suspected"],
        "priority": "high", "state": "referred",
        "notes": "Diantar laki-laki yang mengaku pamannya; laki-laki itu yang menjawab pertanyaan "
        "petugas. Rencana: terbang ke Bangkok lalu 'dijemput ke perbatasan'.",
    },
    {
        "name": "Siti Aisyah", "sex": "F", "age": 16, "district": "32.05.20",
        "village": "32.05.20.2001", "address": "Kp. Cidahu RT 03 RW 01", "birth_place": "Garut",
        "ago": 1, **KH_WORK, "sponsor": "Restoran Mekong Garden, Phnom Penh",
        "docs": ["kk", "birth_certificate", "diploma"], "age_doubted": True, "phone": None,
        "reasons": ["doubtful_age", "high_risk_destination", "recruiter_suspected"],
        "priority": "high", "state": "referred",
        "notes": "Pemohon tampak sangat muda, mengaku baru lulus SMP tahun lalu dan belum punya "
        "KTP. Tidak membawa surat persetujuan orang tua. Ditawari kerja di restoran oleh kenalan "
        "dari Instagram.",
    },
    {
        "name": "Ujang Suryana", "sex": "M", "age": 52, "marital": "married",
        "district": "32.04.13", "village": "32.04.13.2001", "address": "Kp. Kamasan RT 05 RW 03",
        "family": "suryana", "kk_days": 31, "ago": 6, "dest": "SA", "purpose": "pilgrimage",
        "visa": "visit", "sponsor": "PT Al-Multazam Wisata Haji dan Umrah, Bandung",
        "docs": ["ktp", "kk", "marriage_certificate"], "reasons": ["doubtful_documents"],
        "priority": "low", "state": "referred",
        "notes": "Berangkat umrah bersama istri dan anak. KK baru diterbitkan bulan lalu; mohon "
        "dipastikan susunan keluarga sesuai KK.",
    },
    {
        "name": "Iis Rohaeti", "sex": "F", "age": 47, "marital": "married",
        "district": "32.04.13", "village": "32.04.13.2001", "address": "Kp. Kamasan RT 05 RW 03",
        "family": "suryana", "ago": 6, "dest": "SA", "purpose": "pilgrimage", "visa": "visit",
        "sponsor": "PT Al-Multazam Wisata Haji dan Umrah, Bandung",
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_documents"], "priority": "low", "state": "referred",
        "notes": "Istri Bapak Ujang Suryana; berangkat umrah bersama suami dan anak.",
    },
    {
        "name": "Nisa Nurjanah", "sex": "F", "age": 18, "district": "32.04.13",
        "village": "32.04.13.2001", "address": "Kp. Kamasan RT 05 RW 03", "family": "suryana",
        "ago": 6, "dest": "SA", "purpose": "pilgrimage", "visa": "visit",
        "sponsor": "PT Al-Multazam Wisata Haji dan Umrah, Bandung",
        "docs": ["ktp", "kk", "birth_certificate"], "reasons": ["doubtful_documents"],
        "priority": "low", "state": "referred",
        "notes": "Anak Bapak Ujang Suryana; berangkat umrah bersama kedua orang tua.",
    },
    {
        "name": "Asep Saepudin", "sex": "M", "age": 27, "district": "32.04.29",
        "village": "32.04.29.2001", "address": "Kp. Sindangsari RT 02 RW 11",
        "ago": 4, **KH_WORK, "sponsor": STAR_BAY, "docs": ["ktp", "kk", "diploma"],
        "reasons": KH_REASONS, "state": "referred",
        "notes": "Mengaku akan bekerja sebagai operator komputer; tawaran dari grup Telegram "
        "'Kerja Kamboja Legal'. Biaya ditanggung perusahaan dan nanti dipotong dari gaji.",
    },
    {
        "name": "Lina Herlina", "sex": "F", "age": 24, "district": "32.04.05",
        "village": "32.04.05.2002", "address": "Perum Bumi Cileunyi Blok C2 No. 7 RT 06 RW 12",
        "ago": 5, "dest": "KH", "purpose": "tourism", "visa": "tourist",
        "docs": ["ktp", "kk"], "reasons": ["doubtful_purpose", "high_risk_destination"],
        "state": "referred",
        "notes": "Mengaku berlibur ke Siem Reap bersama teman yang dikenal lewat Instagram; teman "
        "itu yang membelikan tiket. Tidak bisa menyebutkan hotel tempat menginap.",
    },
    {
        "name": "Elis Nurhayati", "sex": "F", "age": 34, "marital": "married",
        "district": "32.05.01", "village": "32.05.01.1002",
        "address": "Jl. Ciledug Gg. Haji Umar No. 14 RT 01 RW 07", "birth_place": "Garut",
        "ago": 8, "dest": "MY", "purpose": "work", "visa": "visit",
        "sponsor": "Restoran Selera Kampung, Johor Bahru", "employer": True,
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_purpose"], "state": "referred",
        "notes": "Akan bekerja di rumah makan milik kenalan di Johor Bahru, diajak tetangga yang "
        "sudah bekerja di sana. Belum ada kontrak dan visa kerja.",
    },
    {
        "name": "Ai Susanti", "sex": "F", "age": 22, "nik_sex": "M", "district": "32.04.12",
        "village": "32.04.12.2002", "address": "Kp. Bojong Asih RT 03 RW 04",
        "ago": 0, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk"],
        "reasons": ["doubtful_documents", "high_risk_destination"], "priority": "high",
        "state": "referred",
        "notes": "Jenis kelamin yang tersandi dalam NIK tidak sesuai dengan KTP yang ditunjukkan; "
        "KTP tampak baru dicetak. Pemohon tidak ingat tanggal penerbitan KTP.",
    },
    # --- assigned to the Bandung team -----------------------------------------------------
    {
        "name": "Siti Nurhaliza", "sex": "F", "age": 22, "district": "32.04.12",
        "village": "32.04.12.2003", "address": "Kp. Cangkuang RT 02 RW 05",
        "ago": 8, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "assigned", "officer": "field1",
        "notes": "Tawaran kerja sebagai customer service dari iklan di Facebook; gaji dijanjikan "
        "Rp15.000.000 per bulan. Pemohon tidak dapat menyebutkan alamat perusahaan.",
    },
    {
        "name": "Rini Agustina", "sex": "F", "age": 20, "district": "32.04.13",
        "village": "32.04.13.2003", "address": "Kp. Ciapus RT 01 RW 09",
        "ago": 10, **KH_WORK, "sponsor": DRAGON_PEARL, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "assigned", "officer": "field1",
        "notes": "Direkrut lewat WhatsApp oleh orang yang menyebut dirinya 'Mr. Kevin'; "
        "dijanjikan kerja di kasino. Paspor dan tiket dibiayai perekrut.",
    },
    {
        "name": "Sri Wahyuni", "sex": "F", "age": 24, "district": "32.73.16",
        "nik_district": "33.01.14", "village": "32.73.16.1001", "birth_place": "Cilacap",
        "address": "Jl. Babakan Sari Gg. Mawar No. 12 RT 04 RW 02 (indekos)",
        "ago": 12, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk"],
        "reasons": ["accompanied", "doubtful_purpose", "recruiter_suspected"],
        "priority": "high", "state": "assigned", "officer": "field1",
        "notes": "NIK terdaftar di Kabupaten Cilacap; mengaku indekos di Bandung sejak tiga bulan "
        "lalu karena paspornya 'diurus agen di Bandung'. Orang dari agen menunggu di luar.",
    },
    {
        "name": "Wulan Sari", "sex": "F", "age": 25, "district": "32.73.25",
        "village": "32.73.25.1002", "address": "Jl. Cipadung Permai No. 3 RT 02 RW 06",
        "ago": 9, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk", "diploma"],
        "reasons": KH_REASONS, "state": "assigned", "officer": "field2",
        "notes": "Sponsor yang sama dengan beberapa permohonan lain bulan ini. Lowongan dilihat di "
        "grup Facebook; wawancara kerja hanya lewat video call.",
    },
    {
        "name": "Intan Permatasari", "sex": "F", "age": 19, "nik_age": 16,
        "district": "32.04.15", "village": "32.04.15.2001",
        "address": "Kp. Los Cimaung RT 02 RW 03",
        "ago": 7, **KH_WORK, "sponsor": ROYAL_CROWN, "docs": ["ktp", "kk", "birth_certificate"],
        "age_doubted": True, "reasons": ["doubtful_age", "doubtful_documents",
                                         "high_risk_destination"],
        "priority": "high", "state": "assigned", "officer": "field1",
        "notes": "Tanggal lahir dalam NIK berbeda dengan akta kelahiran yang ditunjukkan; pemohon "
        "tampak di bawah umur. Diduga data dipalsukan oleh perekrut.",
    },
    {
        "name": "Ahmad Fauzi", "sex": "M", "age": 31, "district": "32.04.33",
        "village": "32.04.33.2001", "address": "Kp. Sukasari RT 03 RW 10",
        "ago": 14, "dest": "KR", "purpose": "work", "visa": "work",
        "sponsor": "Hanil Precision Co., Ansan (program G to G)", "employer": True,
        "docs": ["ktp", "kk", "diploma", "employment_contract"],
        "reasons": ["doubtful_documents"], "priority": "low", "state": "assigned",
        "notes": "Sertifikat lulus EPS-TOPIK ditunjukkan. Mohon konfirmasi domisili dan keluarga.",
    },
    {
        "name": "Fitri Handayani", "sex": "F", "age": 28, "marital": "married",
        "district": "32.04.05", "village": "32.04.05.2001", "address": "Kp. Cikoneng RT 01 RW 04",
        "ago": 15, "dest": "SA", "purpose": "pilgrimage", "visa": "visit",
        "sponsor": "PT Barokah Umrah Mandiri, Bandung", "docs": ["ktp", "kk",
                                                                 "marriage_certificate"],
        "reasons": ["accompanied", "doubtful_purpose"], "state": "assigned", "officer": "field2",
        "notes": "Berangkat umrah tanpa suami dan tanpa mahram; biaya dibayar 'sponsor' yang "
        "menawarkan kerja sebagai asisten rumah tangga di Riyadh setelah umrah.",
    },
    {
        "name": "Ratna Komalasari", "sex": "F", "age": 27, "district": "32.04.29",
        "village": "32.04.29.2004", "address": "Kp. Cikoneng Girang RT 04 RW 01",
        "ago": 18, "dest": "MY", "purpose": "work", "visa": "visit",
        "sponsor": "Syarikat Perabot Jaya Sdn Bhd, Muar", "employer": True,
        "docs": ["ktp", "kk"], "reasons": ["doubtful_purpose", "recruiter_suspected"],
        "state": "assigned",
        "notes": "Ditawari kerja di pabrik mebel melalui agen tidak resmi; paspor diurus sponsor.",
    },
    {
        "name": "Dewi Lestari", "sex": "F", "age": 34, "marital": "divorced",
        "district": "32.73.16", "village": "32.73.16.1001",
        "address": "Jl. Kiaracondong Gg. Sukaresmi No. 5 RT 07 RW 03",
        "ago": 11, "dest": "TH", "purpose": "tourism", "visa": "tourist",
        "docs": ["ktp", "kk"], "reasons": ["doubtful_purpose"], "state": "assigned",
        "officer": "field1",
        "notes": "Mengaku berlibur ke Bangkok; di ponselnya terlihat percakapan tentang pekerjaan "
        "'terapis spa' di Pattaya.",
    },
    {
        "name": "Dedi Kurniawan", "sex": "M", "age": 24, "district": "32.04.12",
        "village": "32.04.12.2002", "address": "Kp. Sukabirus RT 05 RW 02",
        "ago": 6, "dest": "MM", "purpose": "work", "visa": "visit", "sponsor": SHWE_LIN,
        "employer": True, "docs": ["ktp", "kk", "diploma"],
        "reasons": ["high_risk_destination", "recruiter_suspected"], "state": "assigned",
        "officer": "field2",
        "notes": "Ditawari kerja sebagai 'IT support' di Myawaddy lewat Telegram; gaji dijanjikan "
        "USD 1.000. Sponsor sama dengan permohonan Euis Sumarni.",
    },
    {
        "name": "Lilis Suryani", "sex": "F", "age": 23, "district": "32.04.13",
        "village": "32.04.13.2001", "address": "Kp. Sukamenak RT 03 RW 06",
        "ago": 16, "dest": "LA", "purpose": "work", "visa": "visit", "employer": True,
        "sponsor": "Lucky Land Trading Co., Bokeo", "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "assigned", "officer": "field2",
        "reassign_to": "field1",
        "end": "Bripka Yusuf Hidayat bertugas di luar kota; dialihkan ke Agus Setiawan.",
        "notes": "Akan bekerja di 'kawasan ekonomi khusus' di Laos; tidak tahu nama perusahaan "
        "yang sebenarnya. Dikenalkan oleh teman sekolah yang sudah berangkat lebih dulu.",
    },
    # --- in the field ---------------------------------------------------------------------
    {
        "name": "Neneng Hasanah", "sex": "F", "age": 20, "district": "32.04.15",
        "village": "32.04.15.2001", "address": "Kp. Pangalengan Girang RT 01 RW 02",
        "ago": 13, **KH_WORK, "sponsor": ROYAL_CROWN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "in_field", "officer": "field1",
        "notes": "Ditawari kerja sebagai pelayan hotel; perekrut meminta pemohon mengaku akan "
        "berwisata bila ditanya petugas.",
    },
    {
        "name": "Santi Rahayu", "sex": "F", "age": 22, "district": "32.04.05",
        "village": "32.04.05.2002", "address": "Kp. Cibiru Hilir RT 02 RW 03",
        "ago": 17, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk", "diploma"],
        "reasons": KH_REASONS, "state": "in_field", "officer": "field1",
        "notes": "Lowongan 'admin game online' dari iklan Facebook; gaji Rp12.000.000. Biaya "
        "paspor ditransfer oleh orang yang tidak ia kenal.",
    },
    {
        "name": "Eneng Kurniasih", "sex": "F", "age": 18, "district": "32.04.29",
        "village": "32.04.29.2001", "address": "Kp. Bojongsalam RT 06 RW 02",
        "ago": 20, "dest": "KH", "purpose": "tourism", "visa": "tourist", "age_doubted": True,
        "docs": ["ktp", "kk"], "reasons": ["doubtful_age", "high_risk_destination"],
        "priority": "high", "state": "in_field", "officer": "field1",
        "notes": "Tiket dibelikan 'pacar' yang dikenal lewat aplikasi kencan dan tinggal di "
        "Phnom Penh. Pemohon tampak lebih muda dari usia yang dinyatakan.",
    },
    {
        "name": "Mamat Rahmat", "sex": "M", "age": 35, "marital": "married",
        "district": "32.04.13", "village": "32.04.13.2003", "address": "Kp. Pasirmulya RT 02 RW 07",
        "ago": 22, "dest": "SA", "purpose": "work", "visa": "work",
        "sponsor": "Al-Faisal Cleaning Services Co., Jeddah", "employer": True,
        "docs": ["ktp", "kk", "marriage_certificate", "employment_contract"],
        "reasons": ["doubtful_documents"], "state": "in_field", "officer": "field2",
        "notes": "Kontrak kerja tampak belum dilegalisasi; agen penyalur tidak terdaftar di BP2MI.",
    },
    {
        "name": "Tuti Alawiyah", "sex": "F", "age": 30, "marital": "married",
        "district": "32.73.25", "village": "32.73.25.1002",
        "address": "Jl. Manisi Gg. Melati No. 21 RT 03 RW 04",
        "ago": 19, "dest": "MY", "purpose": "work", "visa": "visit",
        "sponsor": "Kedai Runcit Pak Long, Kuala Lumpur", "employer": True,
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_purpose"], "state": "in_field", "officer": "field2",
        "notes": "Akan menjaga toko kelontong milik kerabat jauh; berangkat dengan visa kunjungan.",
    },
    {
        "name": "Rika Amelia", "sex": "F", "age": 21, "district": "32.04.33",
        "village": "32.04.33.2002", "address": "Kp. Wangisagara RT 01 RW 03",
        "ago": 24, **KH_WORK, "sponsor": STAR_BAY, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "in_field", "officer": "field1",
        "notes": "Diajak sepupu yang sudah bekerja di Bavet; sepupu mengirim foto gaji dalam "
        "dolar. Keluarga disebut 'sudah setuju' tetapi tidak ada yang datang.",
    },
    # --- submitted, at the registry, under review -----------------------------------------
    {
        "name": "Lia Yuliani", "sex": "F", "age": 24, "district": "32.04.12",
        "village": "32.04.12.2003", "address": "Kp. Cangkuang Kulon RT 04 RW 01",
        "ago": 27, **KH_WORK, "sponsor": DRAGON_PEARL, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "state": "submitted", "officer": "field1",
        "notes": "Perekrut menghubungi lewat Facebook Messenger; pemohon diminta menghapus "
        "percakapan sebelum datang ke kantor imigrasi.",
    },
    {
        "name": "Heri Hermawan", "sex": "M", "age": 29, "district": "32.04.05",
        "village": "32.04.05.2001", "address": "Kp. Babakan Sukamulya RT 03 RW 05",
        "ago": 30, "dest": "JP", "purpose": "work", "visa": "work",
        "sponsor": "Tokai Seiko K.K., Nagoya (tokutei ginou)", "employer": True,
        "docs": ["ktp", "kk", "diploma", "employment_contract"],
        "reasons": ["doubtful_documents"], "priority": "low", "state": "submitted",
        "officer": "field2",
        "notes": "Sertifikat keterampilan dan kontrak kerja ditunjukkan; nama LPK pengirim tidak "
        "ditemukan dalam daftar resmi.",
    },
    {
        "name": "Imas Masitoh", "sex": "F", "age": 26, "district": "32.04.15",
        "village": "32.04.15.2001", "address": "Kp. Cipanas RT 03 RW 12",
        "ago": 32, **KH_WORK, "sponsor": ROYAL_CROWN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "state": "registry_check", "officer": "field1",
        "notes": "Mengaku lulusan D3 perhotelan, tetapi tidak membawa ijazah; ditawari kerja oleh "
        "akun Instagram 'loker.hotel.asia'.",
    },
    {
        "name": "Dian Purnamasari", "sex": "F", "age": 33, "marital": "married",
        "district": "32.73.16", "village": "32.73.16.1001",
        "address": "Jl. Sukapura No. 40 RT 01 RW 08",
        "ago": 35, "dest": "TH", "purpose": "work", "visa": "visit",
        "sponsor": "Siam Golden Spa & Massage, Pattaya", "employer": True,
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_purpose", "recruiter_suspected"], "state": "registry_check",
        "officer": "field2",
        "notes": "Akan bekerja sebagai terapis spa dengan visa kunjungan; sponsor membayar tiket.",
    },
    {
        "name": "Nia Kurniawati", "sex": "F", "age": 22, "district": "32.04.13",
        "village": "32.04.13.2003", "address": "Kp. Banjaran Wetan RT 04 RW 04",
        "ago": 38, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "under_review", "officer": "field1",
        "notes": "Sponsor sama dengan beberapa kasus lain. Pemohon menyebut nomor perekrut "
        "+855 96 555 0142.",
    },
    {
        "name": "Yeni Rohayati", "sex": "F", "age": 27, "marital": "married",
        "district": "32.04.29", "village": "32.04.29.2001",
        "address": "Kp. Ciparay Tengah RT 02 RW 04",
        "ago": 42, "dest": "MY", "purpose": "work", "visa": "visit",
        "sponsor": "Ladang Sawit Sinar Harapan Sdn Bhd, Tawau", "employer": True,
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_purpose"], "state": "under_review", "officer": "field2",
        "notes": "Menyusul suami yang bekerja di perkebunan sawit di Sabah tanpa dokumen resmi.",
    },
    {
        "name": "Cecep Supriadi", "sex": "M", "age": 40, "marital": "married",
        "district": "32.04.33", "village": "32.04.33.2001",
        "address": "Kp. Balekambang RT 05 RW 02",
        "ago": 45, "dest": "TH", "purpose": "tourism", "visa": "tourist",
        "docs": ["ktp", "kk"], "reasons": ["recruiter_suspected", "inconsistent_answers"],
        "state": "under_review", "officer": "field1",
        "notes": "Mengaku pemandu wisata; mengantar enam perempuan muda yang mengajukan paspor "
        "pada hari yang sama dan membayar biaya paspor mereka.",
    },
    {
        "name": "Wina Apriliani", "sex": "F", "age": 23, "district": "32.04.29",
        "village": "32.04.29.2004", "address": "Kp. Cikoneng Hilir RT 01 RW 06",
        "ago": 48, **KH_WORK, "sponsor": STAR_BAY, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "state": "returned", "officer": "field1",
        "end": "Foto rumah dan koordinat GPS belum dilampirkan; keterangan ibu pemohon tentang "
        "siapa yang membiayai perjalanan belum dicatat. Mohon dilengkapi.",
        "notes": "Tawaran kerja sebagai 'customer service kripto' dari grup WhatsApp.",
    },
    # --- decided --------------------------------------------------------------------------
    {
        "name": "Putri Rahmawati", "sex": "F", "age": 24, "district": "32.04.05",
        "village": "32.04.05.2002", "address": "Perum Griya Cileunyi Blok F No. 9 RT 02 RW 15",
        "ago": 52, "dest": "JP", "purpose": "tourism", "visa": "tourist",
        "docs": ["ktp", "kk"], "reasons": ["doubtful_purpose"], "priority": "low",
        "state": "verified", "officer": "field1",
        "end": "Kakak pemohon terdaftar sebagai pekerja resmi di Osaka; orang tua mengetahui "
        "rencana perjalanan. Tidak ada tanda perekrutan.",
        "notes": "Pertama kali ke luar negeri; tiket dibelikan kakaknya yang bekerja resmi di "
        "Osaka.",
    },
    {
        "name": "Dadang Sudrajat", "sex": "M", "age": 30, "district": "32.04.12",
        "village": "32.04.12.2002", "address": "Kp. Leuwi Bandung RT 04 RW 09",
        "ago": 55, "dest": "KR", "purpose": "work", "visa": "work",
        "sponsor": "Daesung Metal Co., Gimhae (program G to G)", "employer": True,
        "docs": ["ktp", "kk", "diploma", "employment_contract"],
        "reasons": ["doubtful_documents"], "priority": "low", "state": "verified",
        "officer": "field2",
        "end": "Ijazah dikonfirmasi sekolah; penempatan melalui program G to G BP2MI.",
        "notes": "Ijazah SMK tampak baru dicetak ulang; mohon konfirmasi ke keluarga.",
    },
    {
        "name": "Rina Kurniasari", "sex": "F", "age": 20, "district": "32.04.15",
        "village": "32.04.15.2002", "address": "Kp. Margamukti RT 03 RW 05",
        "ago": 58, **KH_WORK, "sponsor": GOLDEN_SUN, "docs": ["ktp", "kk"],
        "reasons": KH_REASONS, "priority": "high", "state": "refused", "officer": "field1",
        "refusal": ["trafficking_signs", "recruiter_involved"], "police_unit": "Polresta Bandung",
        "end": "Hasil pemeriksaan lapangan: orang tua tidak mengetahui rencana keberangkatan; "
        "tawaran kerja datang dari akun Facebook yang juga muncul pada kasus lain; biaya paspor "
        "dan tiket ditanggung perekrut. Diduga calon korban TPPO: permohonan paspor ditolak dan "
        "perkara diteruskan ke Polresta Bandung.",
        "notes": "Ditawari kerja sebagai admin di Phnom Penh; perekrut menjanjikan gaji USD 1.000.",
    },
    {
        "name": "Cucu Sumarni", "sex": "F", "age": 38, "marital": "married",
        "district": "32.05.01", "village": "32.05.01.1001",
        "address": "Jl. Pasundan Gg. Sukamaju No. 8 RT 02 RW 04", "birth_place": "Garut",
        "ago": 40, "dest": "MY", "purpose": "family_visit", "visa": "visit",
        "docs": ["ktp", "kk", "marriage_certificate", "husband_statement"],
        "reasons": ["doubtful_purpose"], "priority": "low", "state": "cancelled",
        "end": "Pemohon menarik permohonan paspor; keberangkatan dibatalkan atas permintaan "
        "keluarga.",
        "notes": "Mengaku akan mengunjungi adik di Kuala Lumpur; tidak tahu alamat adiknya.",
    },
]  # fmt: skip

# The actions that bring an assigned case on to each state, and who takes them: the case's
# field officer, the automatic steps ("system") or the supervisor.
PATHS = {case_states.ASSIGNED: []}
PATHS[case_states.IN_FIELD] = [("take_to_field", "officer")]
PATHS[case_states.SUBMITTED] = [*PATHS[case_states.IN_FIELD], ("submit", "officer")]
PATHS[case_states.REGISTRY_CHECK] = [
    *PATHS[case_states.SUBMITTED],
    ("begin_registry_check", case_states.SYSTEM),
]
# The registry clerk answers the case's questions; the last answer starts the review.
PATHS[case_states.UNDER_REVIEW] = [*PATHS[case_states.REGISTRY_CHECK], ("answer_all", "registry")]
# The supervisor decides through the review's own functions, as on the review page: a verified
# case gets its decision and a signed field report, a refused one its decision record.
PATHS[case_states.VERIFIED] = [*PATHS[case_states.UNDER_REVIEW], ("verify", "supervisor")]
PATHS[case_states.REFUSED] = [*PATHS[case_states.UNDER_REVIEW], ("refuse", "supervisor")]
PATHS[case_states.RETURNED] = [
    *PATHS[case_states.UNDER_REVIEW],
    ("return_for_correction", "supervisor"),
]
# What the last move of a case must say, from its spec's "end".
END_WORDS = {"return_for_correction": "comment"}

# Telkomsel, Indosat, XL and Tri mobile prefixes.
PHONE_PREFIXES = ("0812", "0813", "0821", "0822", "0852", "0857", "0877", "0878", "0896")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _birth_date(application_date: date, age: int, index: int) -> date:
    """A date of birth that makes the applicant `age` (completed years) on the application date."""
    return _years_before(application_date, age) - timedelta(days=17 + (index * 53) % 300)


def _phone(index: int) -> str:
    """A mobile number as an applicant writes it (0812-3456-7890); intake normalises it."""
    prefix = PHONE_PREFIXES[index % len(PHONE_PREFIXES)]
    return f"{prefix}-{(index * 7919 + 2213) % 10**4:04d}-{(index * 4271 + 581) % 10**4:04d}"


def planned_cases(today: date) -> list[tuple[dict, dict]]:
    """Each demo case's spec and its data as create_case takes them, oldest application first.

    Pure: the same `today` always gives the same cases.
    """
    planned = []
    family_cards = {}
    specs = sorted(enumerate(DEMO_CASES), key=lambda item: (-item[1]["ago"], item[0]))
    for number, (index, spec) in enumerate(specs, start=1):
        applied = today - timedelta(days=spec["ago"])
        birth = _birth_date(applied, spec["age"], index)
        nik_birth = _birth_date(applied, spec.get("nik_age", spec["age"]), index)
        nik_district = spec.get("nik_district", spec["district"])
        nik_sex = spec.get("nik_sex", spec["sex"])
        nik = identity.encode_nik(nik_district, nik_sex, nik_birth, 101 + index)
        family = spec.get("family")
        if family in family_cards:
            kk = family_cards[family]
        else:
            issued = applied - timedelta(days=spec.get("kk_days", 400 + (index * 97) % 2500))
            kk = f"{nik_district.replace('.', '')}{issued:%d%m%y}{2001 + index * 3:04d}"
            if family:
                family_cards[family] = kk
        phone = spec.get("phone", _phone(index))
        priority = spec.get("priority", "normal")
        due = applied + timedelta(days={"high": 7, "normal": 14, "low": 21}[priority])
        if spec["state"] in case_states.OPEN_STATES and due < today and index % 4:
            due = today + timedelta(days=2 + index % 9)  # extended, as desks do: a few stay late
        data = {
            "application_number": f"{applied:%Y}-BDG-{number:06d}",
            "application_date": applied,
            "purpose": spec["purpose"],
            "destination_country": spec["dest"],
            "sponsor": spec.get("sponsor"),
            "sponsor_is_employer": spec.get("employer", False),
            "visa_type": spec["visa"],
            "documents": list(spec["docs"]),
            "applicant_name": spec["name"],
            "nik": nik,
            "kk": kk,
            "birth_place": spec.get("birth_place", "Bandung"),
            "birth_date": birth,
            "sex": spec["sex"],
            "marital_status": spec.get("marital", "single"),
            "address": spec["address"],
            "village_code": spec.get("village"),
            "phone": identity.normalise_phone(phone) if phone else None,
            "referral_reasons": list(spec["reasons"]),
            "referral_notes": spec["notes"],
            "age_doubted": spec.get("age_doubted", False),
            "priority": priority,
            "due_date": due,
        }
        recruiter = DEMO_RECRUITERS.get(spec["name"], {})
        data.update({name: recruiter.get(name) for name in RECRUITER_ANSWERS})
        if data["recruiter_phone"]:
            data["recruiter_phone"] = normalise_recruiter_phone(data["recruiter_phone"])
        planned.append((spec, data))
    return planned


def create_demo_cases(actor: accounts.Actor, office, team: Team, users: dict) -> list[Case]:
    """The demo's cases, each made and moved by the service functions as the demo's staff.

    Every event is dated `actor.at`, the time the demo is made: the application dates lie in
    the past, the audit trail does not.
    """
    from fieldcheck.cases import service

    def as_(user):
        return accounts.Actor(user, actor.at, actor.address)

    from fieldcheck.models import RegistryQuestion
    from fieldcheck.registry import service as registry
    from fieldcheck.review import service as review

    intake = as_(users["intake"])
    by = {
        "supervisor": as_(users["supervisor"]),
        case_states.SYSTEM: as_(None),
        "registry": as_(users["registry"]),
    }
    made = []
    for spec, data in planned_cases(actor.at.date()):
        case = service.create_case(intake, office, data)
        state = spec["state"]
        if state == case_states.CANCELLED:
            service.cancel(intake, case, spec["end"])
        elif state != case_states.REFERRED:
            officer = users.get(spec.get("officer"))
            service.assign(intake, case, team, officer)
            if "reassign_to" in spec:
                officer = users[spec["reassign_to"]]
                service.assign(intake, case, team, officer, reason=spec["end"])
            for action, who in PATHS[state]:
                words = {END_WORDS[action]: spec["end"]} if action in END_WORDS else {}
                if action == "answer_all":
                    for question in RegistryQuestion.select().where(
                        (RegistryQuestion.case == case) & (RegistryQuestion.status == "open")
                    ):
                        registry.answer(
                            by["registry"], question, "match", None, "Sesuai data Dukcapil."
                        )
                    case = type(case).get_by_id(case.id)
                elif action == "verify":
                    review.verify(by[who], case, spec.get("end", ""))
                elif action == "refuse":
                    review.refuse(
                        by[who],
                        case,
                        spec["refusal"],
                        spec["end"],
                        police_referral="police_unit" in spec,
                        police_unit=spec.get("police_unit"),
                    )
                elif who == "officer":
                    service.move(as_(officer), case, action, **words)
                else:
                    role = case_states.SYSTEM if who == case_states.SYSTEM else None
                    service.move(by[who], case, action, role=role, **words)
        made.append(case)
    return made


# Issue 16: headquarters, with the national lists. The Police asked for one of the office's
# applicants to be watched (her intake is then held for the supervisor), and a partner agency
# reported two repatriated victims: one whose passport followed a verified field check (waiting
# for the supervisor's review), one who got hers without a field check.
HQ_ADMIN = ("hqadmin", "Ratna Sari Dewi")
WATCHED = "Euis Sumarni"
WATCH_REQUEST = {
    "authority": "Polres Garut, Satreskrim",
    "letter_number": "B/512/X/2026/Reskrim",
    "reason": "Laporan keluarga: diduga direkrut untuk bekerja di Myawaddy tanpa prosedur "
    "resmi oleh jaringan yang sedang diselidiki; mohon dicegah keberangkatannya.",
}
RETURNED = "Putri Rahmawati"
VICTIM_STORY = {
    "return_place": "Bandara Soekarno-Hatta",
    "destination_country": "KH",
    "exploitation": ["ForcedLabour"],
    "circumstances": "Di Osaka ditawari kenalan daring pekerjaan admin di Phnom Penh; paspor "
    "ditahan dan dipaksa menipu lewat telepon selama tiga bulan.",
    "recruiter_name": "Mr. Lee",
    "recruiter_phone": "+85587654321",
    "recruiter_agency": None,
    "recruiter_handle": "@lee_jobs_kh (Telegram)",
}


def watch_demo_applicant(actor: accounts.Actor, today: date):
    """The prevention-list entry that holds one demo applicant at intake (by name and birth
    date), added as headquarters would."""
    from fieldcheck.prevention import service as prevention

    _, data = next((s, d) for s, d in planned_cases(today) if s["name"] == WATCHED)
    prevention.add_entry(
        actor,
        {
            "name": data["applicant_name"],
            "nik": None,
            "birth_date": data["birth_date"],
            "valid_from": today - timedelta(days=10),
            "valid_until": today + timedelta(days=180),
            **WATCH_REQUEST,
        },
    )


def report_demo_victims(actor: accounts.Actor, office, cases: list[Case]):
    """A partner agency's two records, loaded as headquarters loads a file."""
    from fieldcheck.repatriation import service as repatriation

    today = actor.at.date()
    verified = next(c for c in cases if c.applicant_name == RETURNED)
    records = [
        {
            "name": verified.applicant_name,
            "nik": verified.nik,
            "birth_date": verified.birth_date,
            "sex": verified.sex,
            "office": office.id,
            "passport_number": "E7712345",
            "application_number": None,
            "returned_on": today - timedelta(days=1),
            **VICTIM_STORY,
        },
        {
            "name": "Lilis Suryani",
            "nik": identity.encode_nik("32.04.29", "F", date(2003, 2, 14), 77),
            "birth_date": date(2003, 2, 14),
            "sex": "F",
            "office": office.id,
            "passport_number": "E7754321",
            "application_number": None,
            "returned_on": today - timedelta(days=3),
            **VICTIM_STORY,
            "recruiter_name": "Bu Rina",
            "recruiter_phone": "+6281398765432",
            "recruiter_agency": "PT Maju Jaya Abadi",
            "recruiter_handle": None,
        },
    ]
    repatriation.load_records(
        actor, list(enumerate(records, start=2)), "kemlu-demo.csv", "Kemlu (KBRI Phnom Penh)"
    )


class DemoExists(Exception):
    """The database already has accounts: the demo only fills an empty one."""


def ensure_demo_regions():
    """Add the demo's regions that the database does not have yet."""
    from fieldcheck.regions import level_of, parent_of

    known = {c for (c,) in Region.select(Region.code).tuples()}
    missing = [
        {"code": c, "name": n, "level": level_of(c), "parent_code": parent_of(c)}
        for c, n in DEMO_REGIONS
        if c not in known
    ]
    if missing:
        Region.insert_many(missing).execute()


def _ensure_signing_key(now):
    """A report-signing key for the demo's verified cases: made when the instance has none.
    Keys without an active one raise signing.KeyStoreError before anything is made."""
    from fieldcheck import signing
    from fieldcheck.review import service as review

    folder = review.keys_folder()
    if not signing.list_keys(folder):
        signing.create_key(folder, now)
    signing.active_signing_key(folder)


def create_demo(actor: accounts.Actor) -> list[User]:
    """One immigration office, two district teams, one account per role and a second officer,
    and about 40 referred applications spread over the states of a case (DEMO_CASES); the
    verified ones carry a report signed with the instance's key (made if there is none).
    Headquarters too (issue 16): its administrator, a prevention-list entry that holds one
    applicant, and two repatriated victims' records."""
    if User.select().exists():
        raise DemoExists("the database already has user accounts")
    _ensure_signing_key(actor.at)
    ensure_demo_regions()
    office = accounts.create_office(
        actor,
        code="KANIM-BDG",
        name="Kantor Imigrasi Kelas I TPI Bandung",
        time_zone="WIB",
        region_codes=["32.04", "32.05", "32.73"],
    )
    teams = [
        accounts.save_team(
            actor, None, office=office, name="Timpora Kabupaten Bandung", district_code="32.04"
        ),
        accounts.save_team(
            actor, None, office=office, name="Timpora Kabupaten Garut", district_code="32.05"
        ),
    ]
    made = []
    for username, name, role, team, agency in DEMO_USERS:
        made.append(
            accounts.create_user(
                actor,
                username=username,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                office=office,
                team=teams[team] if team is not None else None,
                agency=agency,
                regions=["32.04", "32.05"] if role == roles.REGISTRY else (),
                must_change_password=False,
            )
        )
    hq = accounts.create_user(
        actor,
        username=HQ_ADMIN[0],
        name=HQ_ADMIN[1],
        role=roles.ADMIN,
        password=DEMO_PASSWORD,
        office=None,  # headquarters (issue 16)
        agency=roles.IMMIGRATION,
        must_change_password=False,
    )
    made.append(hq)
    watch_demo_applicant(accounts.Actor(hq, actor.at, actor.address), actor.at.date())
    cases = create_demo_cases(actor, office, teams[0], {u.username: u for u in made})
    report_demo_victims(accounts.Actor(hq, actor.at, actor.address), office, cases)
    actor.record(
        audit.DEMO_CREATE, office, {"users": [u.username for u in made], "cases": len(cases)}
    )
    return made


DEMO_SETTINGS = """
# Written by `fieldcheck demo`: a demonstration instance with made-up people asks no second
# factor at sign-in, and its sign-in page says so. Remove these lines for real work.
SECOND_FACTOR_ROLES = ()
DEMO_INSTANCE = True
"""


def mark_demo_instance(instance_path: str) -> bool:
    """Turn the second factor off for this instance in its config.py (once); True if written."""
    config = Path(instance_path) / "config.py"
    if config.exists() and "DEMO_INSTANCE = True" in config.read_text(encoding="utf-8"):
        return False
    with config.open("a", encoding="utf-8") as out:
        out.write(DEMO_SETTINGS)
    os.chmod(config, 0o600)
    return True
