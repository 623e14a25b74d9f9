"""Brookfield Primary School: a synthetic school for demos, walkthroughs and tests.

`write_demo_roster` writes the same CSV files a school's MIS exports (docs/roster.md), so the
demo is loaded by the real importer and exercises it: accented names, role aliases, CRLF line
endings. Everything is invented. Names are random pairings of common first names and surnames
of the communities found in English schools, with well-known public figures' names struck
out; emails use the reserved `.example` domain, phone numbers Ofcom's drama range, the URN
and UPNs a local authority number no authority has.

The fixed parts below never change with the seed, so a scripted walkthrough can rely on
them: the logins, the demo teacher's class, and the pupils in it.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

DEMO_SEED = 2026
DEMO_SCHOOL_NAME = "Brookfield Primary School"
DEMO_URN = "999901"  # real URNs are 6 digits; 999xxx belongs to no school
DEMO_SCHOOL_YEAR = 2025  # ages fit the school year from September 2025 to July 2026

# Staff logins (Slack or console), one per role.
DEMO_TEACHER_EMAIL = "teacher@brookfield.example"  # Year 4 class teacher
DEMO_TA_EMAIL = "ta@brookfield.example"  # teaching assistant in the same Year 4 class
DEMO_SENCO_EMAIL = "senco@brookfield.example"  # also a deputy DSL
DEMO_DSL_EMAIL = "dsl@brookfield.example"
DEMO_HEAD_EMAIL = "head@brookfield.example"
DEMO_ADMIN_EMAIL = "admin@brookfield.example"
DEMO_LUNCHTIME_EMAIL = "lunchtime@brookfield.example"  # midday supervisor (other staff)
DEMO_DEPUTY_DSL_EMAILS = (DEMO_SENCO_EMAIL, "j.kirkbride@brookfield.example")
DEMO_LOGINS: dict[str, str] = {
    "teacher": DEMO_TEACHER_EMAIL,
    "ta": DEMO_TA_EMAIL,
    "senco": DEMO_SENCO_EMAIL,
    "dsl": DEMO_DSL_EMAIL,
    "headteacher": DEMO_HEAD_EMAIL,
    "admin": DEMO_ADMIN_EMAIL,
    "other_staff": DEMO_LUNCHTIME_EMAIL,
}

# The demo teacher's class and the pupils a walkthrough can search for by name.
DEMO_CLASS_CODE = "4B"
DEMO_CLASS_NAME = "Year 4 - Birches"
DEMO_PUPIL_AMELIA = "Amelia Hartley"  # SEN support, specific learning difficulty
DEMO_PUPIL_KACPER = "Kacper Wiśniewski"  # SEN support, speech and language; EAL (Polish)
DEMO_PUPIL_ZAINAB = "Zainab Qureshi"  # EHC plan, autism; EAL (Urdu)
# Outside the demo class: neither the demo teacher nor the demo TA works with him, so his
# SEND record is not theirs to read, though any of the staff may report a concern about him.
DEMO_OTHER_CLASS_CODE = "2H"
DEMO_PUPIL_XAVIER = "Xavier Bamford"
DEMO_UNIQUE_FIRST_NAMES = ("Amelia", "Kacper", "Zainab", "Xavier")  # nobody else has these
DEMO_SHARED_SURNAME = "Walsh"  # exactly two pupils, both in the demo class, not related
DEMO_SHARED_SURNAME_PUPILS = ("Isaac Walsh", "Ella Walsh")  # Isaac: SEN support, SEMH
DEMO_SAFEGUARDING_PUPIL = "Isaac Walsh"  # the walkthrough's safeguarding concern is about him

# Parents a walkthrough can act as (they link their Telegram account with an invite).
DEMO_PARENT_EMAIL = "parent@family.example"  # Amelia's mother, English
DEMO_PARENT_PL_EMAIL = "parent.pl@family.example"  # Kacper's mother, Polish, interpreter
DEMO_PARENT_UR_EMAIL = "parent.ur@family.example"  # Zainab's mother, Urdu (right to left)

ROSTER_FILE_NAMES = (
    "school.csv",
    "classes.csv",
    "staff.csv",
    "class_staff.csv",
    "pupils.csv",
    "guardians.csv",
    "guardian_links.csv",
)

CLASSES: tuple[tuple[str, str, int], ...] = (
    ("RA", "Reception - Acorns", 0),
    ("1W", "Year 1 - Willows", 1),
    (DEMO_OTHER_CLASS_CODE, "Year 2 - Hazels", 2),
    ("3R", "Year 3 - Rowans", 3),
    (DEMO_CLASS_CODE, DEMO_CLASS_NAME, 4),
    ("5O", "Year 5 - Oaks", 5),
    ("6C", "Year 6 - Cedars", 6),
)

# staff id, title, first name, last name, email, roles (as an MIS writes them), classes.
STAFF: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    ("S001", "Mrs", "Helen", "Ashworth", DEMO_HEAD_EMAIL, "Headteacher", ()),
    ("S002", "Mr", "Daniel", "Fairbrother", DEMO_DSL_EMAIL, "DSL", ()),
    ("S003", "Ms", "Priya", "Raman", DEMO_SENCO_EMAIL, "SENCO;Deputy DSL", ()),
    ("S004", "Mrs", "Joanne", "Pickford", DEMO_ADMIN_EMAIL, "admin", ()),
    ("S005", "Miss", "Chloe", "Dunmore", "c.dunmore@brookfield.example", "teacher", ("RA",)),
    ("S006", "Mr", "Tariq", "Hanif", "t.hanif@brookfield.example", "teacher", ("1W",)),
    (
        "S007",
        "Mrs",
        "Sian",
        "Pritchard",
        "s.pritchard@brookfield.example",
        "teacher",
        (DEMO_OTHER_CLASS_CODE,),
    ),
    ("S008", "Mr", "Owen", "Radley", "o.radley@brookfield.example", "teacher", ("3R",)),
    ("S009", "Ms", "Rachel", "Ellison", DEMO_TEACHER_EMAIL, "teacher", (DEMO_CLASS_CODE,)),
    ("S010", "Mrs", "Nadia", "Saddiq", "n.saddiq@brookfield.example", "teacher", ("5O",)),
    ("S011", "Mr", "Joel", "Kirkbride", DEMO_DEPUTY_DSL_EMAILS[1], "teacher;ddsl", ("6C",)),
    ("S012", "Mrs", "Lorna", "Quigley", DEMO_TA_EMAIL, "TA", (DEMO_CLASS_CODE,)),
    ("S013", "Mrs", "Shazia", "Rehman", "s.rehman@brookfield.example", "TA", ("RA",)),
    (
        "S014",
        "Ms",
        "Ioana",
        "Marin",
        "i.marin@brookfield.example",
        "TA",
        ("1W", DEMO_OTHER_CLASS_CODE),
    ),
    ("S015", "Mrs", "Kerry", "Ashton", "k.ashton@brookfield.example", "HLTA", ("3R",)),
    ("S016", "Mr", "Dariusz", "Zieliński", "d.zielinski@brookfield.example", "TA", ("5O", "6C")),
    ("S017", "Mrs", "Denise", "Varley", DEMO_LUNCHTIME_EMAIL, "Midday supervisor", ()),
    # The case manager for a concern about the headteacher (KCSIE Part four); no pupil access.
    ("S018", "Mr", "Graham", "Whitlock", "chair@brookfield.example", "Chair of governors", ()),
)

# Census need codes by broad area, and how often each is a primary need.
NEEDS_BY_AREA: dict[str, tuple[str, ...]] = {
    "communication_interaction": ("SLCN", "ASD"),
    "cognition_learning": ("MLD", "SPLD"),
    "semh": ("SEMH",),
    "sensory_physical": ("HI", "VI", "PD"),
}
SEN_SUPPORT_NEEDS = {"SLCN": 24, "SEMH": 20, "MLD": 14, "SPLD": 14, "ASD": 12, "PD": 4}
SEN_SUPPORT_NEEDS |= {"HI": 3, "VI": 2, "NSA": 4, "OTH": 3}
EHC_PLAN_NEEDS = {"ASD": 35, "SLCN": 20, "SEMH": 15, "SLD": 10, "PD": 10, "HI": 5, "MLD": 5}


@dataclass(frozen=True)
class Heritage:
    """The names and home languages of one community, as English schools meet them."""

    boys: tuple[str, ...]
    girls: tuple[str, ...]
    surnames: tuple[str, ...]
    men: tuple[str, ...]
    women: tuple[str, ...]
    # (pupil's first language as the census names it, guardian's language tag, weight)
    languages: tuple[tuple[str, str, int], ...] = (("English", "en", 1),)
    weight: float = 1.0
    eal: float = 0.85  # of children in families with another home language
    prefers_home_language: float = 0.5  # of guardians in such families
    interpreter: float = 0.35  # of guardians who prefer their home language
    mother_own_surname: float = 0.1
    mother_surnames: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


HERITAGES: dict[str, Heritage] = {
    "white_british": Heritage(
        boys=_words(
            "Oliver|George|Harry|Noah|Jack|Leo|Arthur|Oscar|Freddie|Alfie|Theo|Charlie|Archie"
            "|Thomas|Henry|Joshua|Jacob|Alexander|Finley|Reggie|Teddy|Max|Louie|Ethan|Harrison"
            "|Joseph|Samuel|Riley|Jenson|Albie|Ronnie|Stanley|Frankie|Lewis|Isaac"
        ),
        girls=_words(
            "Olivia|Isla|Lily|Ava|Freya|Florence|Ivy|Poppy|Evie|Sophie|Grace|Willow|Rosie"
            "|Sophia|Ella|Daisy|Millie|Phoebe|Matilda|Harper|Sienna|Elsie|Emily|Ruby|Maisie"
            "|Hallie|Bonnie|Esme|Penelope|Lottie|Mia|Holly|Erin|Elizabeth"
        ),
        surnames=_words(
            "Wilson|Davies|Robinson|Thompson|Walker|Roberts|Green|Hall|Wood|Jackson|Clarke"
            "|Hughes|Turner|Cooper|Ward|Morris|Baker|Harris|Mitchell|Shaw|Parker|Bennett"
            "|Bailey|Richardson|Cox|Marshall|Fletcher|Pearson|Holmes|Barker|Lawson|Chapman"
            "|Fisher|Atkinson|Kershaw|Dawson|Holt|Pickering|Bradshaw|Whitehead|Lister"
            "|Sutcliffe|Greenwood|Brennan|Doyle|Murphy|Kelly|Naylor|Barraclough|Hirst"
        ),
        men=_words(
            "James|Daniel|Matthew|Christopher|Andrew|David|Mark|Paul|Richard|Stephen|Lee"
            "|Craig|Adam|Ben|Luke|Ryan|Scott|Jamie|Carl|Darren|Gareth|Neil"
        ),
        women=_words(
            "Sarah|Laura|Emma|Rebecca|Gemma|Kelly|Hannah|Amy|Claire|Lisa|Nicola|Rachel"
            "|Stacey|Jodie|Leanne|Kirsty|Charlotte|Jessica|Natalie|Zoe|Hayley|Danielle"
        ),
        weight=46,
    ),
    "polish": Heritage(
        boys=_words(
            "Jakub|Antoni|Szymon|Filip|Jan|Franciszek|Aleksander|Mikołaj|Wojciech|Igor"
            "|Stanisław|Tymon|Oliwer|Nikodem"
        ),
        girls=_words(
            "Zuzanna|Julia|Zofia|Hanna|Maja|Lena|Alicja|Oliwia|Laura|Pola|Wiktoria|Natalia"
            "|Antonina|Gabriela"
        ),
        surnames=_words(
            "Nowak|Kowalski|Wójcik|Kowalczyk|Kamiński|Szymański|Woźniak|Dąbrowski|Kozłowski"
            "|Jankowski|Mazur|Krawczyk|Piotrowski|Grabowski|Pawłowski|Michalski|Król|Wieczorek"
        ),
        men=_words("Tomasz|Piotr|Paweł|Marcin|Michał|Krzysztof|Łukasz|Grzegorz|Rafał|Dawid"),
        women=_words(
            "Anna|Katarzyna|Magdalena|Agnieszka|Monika|Joanna|Ewa|Karolina|Aleksandra|Justyna"
        ),
        languages=(("Polish", "pl", 1),),
        weight=7,
        eal=0.9,
        prefers_home_language=0.55,
    ),
    "romanian": Heritage(
        boys=_words("Andrei|Luca|David|Ștefan|Matei|Alexandru|Mihai|Darius|Rareș|Tudor|Vlad"),
        girls=_words("Maria|Ioana|Sofia|Ana|Daria|Bianca|Eva|Alexia|Andreea|Irina|Elena"),
        surnames=_words(
            "Popescu|Popa|Ionescu|Dumitru|Stan|Munteanu|Constantin|Stoica|Rusu|Lungu|Ciobanu"
            "|Moldovan|Dobre|Barbu"
        ),
        men=_words("Ionuț|Florin|Cristian|Adrian|Marius|Bogdan|Costel|Sorin|Cătălin"),
        women=_words("Mihaela|Alina|Ramona|Cristina|Florentina|Georgiana|Simona|Loredana|Nicoleta"),
        languages=(("Romanian", "ro", 1),),
        weight=5,
        eal=0.95,
        prefers_home_language=0.6,
        interpreter=0.45,
    ),
    "pakistani": Heritage(
        boys=_words(
            "Muhammad|Ibrahim|Yusuf|Musa|Ayaan|Hamza|Zayan|Rayyan|Haroon|Abdullah|Eesa"
            "|Zakariya|Umar|Hasan"
        ),
        girls=_words(
            "Maryam|Aisha|Hafsa|Khadija|Fatima|Inaaya|Amira|Eshaal|Hania|Zara|Mahnoor|Anaya|Iqra"
        ),
        surnames=_words(
            "Hussain|Khan|Ahmed|Ali|Iqbal|Akhtar|Mahmood|Rashid|Butt|Raja|Javed|Malik|Aslam"
            "|Shah|Riaz"
        ),
        men=_words("Asif|Kashif|Nadeem|Shahid|Adnan|Faisal|Zahid|Amjad|Waqas|Usman|Naveed"),
        women=_words("Saima|Nazia|Rubina|Shabana|Samina|Uzma|Sadia|Farzana|Asma|Bushra"),
        languages=(("Urdu", "ur", 5), ("Panjabi", "ur", 3), ("Panjabi", "pa-Arab", 1)),
        weight=10,
        eal=0.85,
        prefers_home_language=0.4,
        mother_own_surname=0.3,
        mother_surnames=_words("Bibi|Begum|Kausar|Akhtar"),
    ),
    "indian_panjabi": Heritage(
        boys=_words("Arjun|Harjot|Jasraj|Gurveer|Ekam|Sahib|Armaan|Karanveer|Jaskaran|Fateh"),
        girls=_words("Simran|Harleen|Jasleen|Navleen|Amrit|Gurleen|Manveer|Sehaj|Ekamjot"),
        surnames=_words("Sandhu|Gill|Dhillon|Sidhu|Bains|Johal|Kang|Sangha|Grewal|Atwal"),
        men=_words("Gurpreet|Harjinder|Jaswinder|Manjit|Sukhdev|Rajinder|Kulwinder|Baljit"),
        women=_words("Harpreet|Rajvinder|Kuldeep|Sukhjit|Manpreet|Jaspreet|Parminder"),
        languages=(("Panjabi", "pa-Guru", 1),),
        weight=4,
        eal=0.75,
        prefers_home_language=0.3,
        mother_own_surname=0.4,
        mother_surnames=("Kaur",),
    ),
    "indian_gujarati": Heritage(
        boys=_words("Aarav|Vihaan|Krish|Rohan|Reyansh|Aryan|Shiv|Neel|Yash|Kiaan"),
        girls=_words("Anaya|Diya|Isha|Riya|Kavya|Siya|Mira|Anika|Tara|Saanvi"),
        surnames=_words(
            "Patel|Parmar|Mistry|Chauhan|Solanki|Lad|Desai|Joshi|Vaghela|Makwana|Chudasama"
        ),
        men=_words("Hitesh|Nilesh|Jignesh|Ketan|Mitesh|Paresh|Rakesh|Bhavesh"),
        women=_words("Hetal|Nisha|Bhavna|Sejal|Dipti|Komal|Falguni|Mital|Rupal"),
        languages=(("Gujarati", "gu", 1),),
        weight=3,
        eal=0.7,
        prefers_home_language=0.3,
    ),
    "bangladeshi": Heritage(
        boys=_words("Mohammed|Rayhan|Ishaq|Zayd|Arham|Ayman|Sami|Tahmid|Nabil|Adam"),
        girls=_words("Maryam|Safa|Raisa|Tasnim|Sumaiya|Mariam|Anisa|Lamisa|Inaya|Nusaiba"),
        surnames=_words("Miah|Uddin|Ahmed|Rahman|Islam|Hoque|Chowdhury|Ali|Hussain"),
        men=_words("Abdul|Shahjahan|Jamal|Saiful|Kamal|Rashed|Mizanur|Anwar|Foysal"),
        women=_words("Shirin|Rokeya|Salma|Nazma|Ruksana|Shahida|Jahanara|Fahima|Taslima"),
        languages=(("Bengali", "bn", 3), ("Sylheti", "bn", 2)),
        weight=5,
        eal=0.9,
        prefers_home_language=0.5,
        mother_own_surname=0.6,
        mother_surnames=_words("Begum|Khatun|Bibi"),
    ),
    "somali": Heritage(
        boys=_words("Abdirahman|Mohamed|Abdullahi|Yusuf|Ayub|Khalid|Bilal|Abdikarim|Liban"),
        girls=_words("Hodan|Ayan|Sagal|Hibo|Nimco|Deeqa|Ikran|Ifrah|Sumaya|Muna"),
        surnames=_words("Abdi|Warsame|Hassan|Omar|Jama|Aden|Hersi|Dahir|Osman|Nur|Duale"),
        men=_words("Ahmed|Mustafe|Abdiwali|Guled|Said|Abdirizak|Mahad"),
        women=_words("Fadumo|Khadra|Sahra|Halima|Asha|Maryan|Ubah|Hamdi"),
        languages=(("Somali", "so", 1),),
        weight=3,
        eal=0.95,
        prefers_home_language=0.6,
        interpreter=0.45,
        mother_own_surname=1.0,
    ),
    "arabic": Heritage(
        boys=_words("Omar|Yousef|Adam|Ahmad|Karim|Zaid|Tamim|Anas|Majd|Hamza"),
        girls=_words("Lana|Salma|Jana|Layan|Rahaf|Sidra|Judy|Aya|Hala|Malak|Nour"),
        surnames=_words("Al-Hassan|Haddad|Khalil|Mansour|Hamdan|Saleh|Abboud|Al-Jaber|Issa|Othman"),
        men=_words("Khaled|Samer|Bassam|Walid|Ammar|Fadi|Hussam|Nizar"),
        women=_words("Ghada|Hiba|Lina|Dalia|Reem|Manal|Suha|Nisreen|Rasha"),
        languages=(("Arabic", "ar", 1),),
        weight=3,
        eal=0.95,
        prefers_home_language=0.7,
        interpreter=0.5,
        mother_own_surname=0.7,
    ),
    "portuguese": Heritage(
        boys=_words("Tiago|Rodrigo|Gonçalo|Martim|Afonso|Duarte|Santiago|Lucas|Miguel"),
        girls=_words("Beatriz|Leonor|Matilde|Carolina|Inês|Mariana|Francisca|Lara|Clara"),
        surnames=_words(
            "Santos|Ferreira|Oliveira|Rodrigues|Martins|Sousa|Gonçalves|Lopes|Marques|Teixeira"
        ),
        men=_words("João|Nuno|Sérgio|Hugo|Vítor|Fábio|Joaquim|Filipe"),
        women=_words("Sandra|Patrícia|Cláudia|Susana|Vanessa|Catarina|Joana|Mónica"),
        languages=(("Portuguese", "pt", 1),),
        weight=2,
        eal=0.85,
        mother_own_surname=0.5,
    ),
    "spanish": Heritage(
        boys=_words("Mateo|Hugo|Martín|Lucas|Leo|Pablo|Álvaro|Alejandro|Manuel"),
        girls=_words("Lucía|Sofía|Martina|María|Julia|Paula|Valeria|Daniela|Carla"),
        surnames=_words("Fernández|González|Rodríguez|López|Martínez|Pérez|Gómez|Díaz|Navarro"),
        men=_words("Javier|Sergio|Jorge|Alberto|Óscar|Iván|Rubén"),
        women=_words("Cristina|Marta|Elena|Silvia|Raquel|Nuria|Lorena|Ainhoa"),
        languages=(("Spanish", "es", 1),),
        weight=1.5,
        eal=0.8,
        mother_own_surname=0.8,
    ),
    "ukrainian": Heritage(
        boys=_words("Maksym|Artem|Oleksandr|Dmytro|Mykyta|Ivan|Bohdan|Nazar|Denys|Matvii"),
        girls=_words("Sofiia|Anastasiia|Solomiia|Zlata|Veronika|Mariia|Polina|Yeva|Dariia"),
        surnames=_words(
            "Kovalenko|Bondarenko|Tkachenko|Kravchenko|Shevchuk|Melnyk|Boiko|Koval"
            "|Polishchuk|Lysenko|Savchuk|Moroz|Rudenko"
        ),
        men=_words("Oleksii|Andrii|Serhii|Yurii|Ihor|Roman|Taras|Vasyl"),
        women=_words("Olena|Iryna|Tetiana|Nataliia|Oksana|Svitlana|Kateryna|Halyna"),
        languages=(("Ukrainian", "uk", 1),),
        weight=2,
        eal=1.0,
        prefers_home_language=0.8,
        interpreter=0.5,
    ),
    "tamil": Heritage(
        boys=_words("Arun|Kavin|Aadhavan|Nilan|Pranav|Kishan|Thanush|Sharan|Vishnu"),
        girls=_words("Sharanya|Abinaya|Yalini|Nila|Keerthana|Thivya|Harini|Kavya"),
        surnames=_words(
            "Sivakumar|Rajendran|Thevarajah|Kandiah|Sriskandarajah|Balachandran|Navaratnam"
            "|Yogarajah|Tharmalingam"
        ),
        men=_words("Suresh|Rajan|Thavakumar|Kannan|Pirabu|Jeyakumar|Ganesh"),
        women=_words("Nirmala|Sumathi|Vasuki|Shanthi|Thulasi|Kalaivani|Gowri"),
        languages=(("Tamil", "ta", 1),),
        weight=1.5,
        eal=0.8,
        prefers_home_language=0.4,
    ),
    "nigerian": Heritage(
        boys=_words(
            "Oluwaseun|Tobiloba|Chinedu|Ayomide|David|Daniel|Samuel|Kelechi|Tobenna|Ifeanyi"
            "|Joshua|Timilehin"
        ),
        girls=_words(
            "Adaeze|Chiamaka|Favour|Precious|Ifeoluwa|Temiloluwa|Chidinma|Ebunoluwa"
            "|Blessing|Amarachi"
        ),
        surnames=_words(
            "Okafor|Adeyemi|Okonkwo|Eze|Nwosu|Oladipo|Ogunleye|Balogun|Chukwu|Adeleke|Afolabi"
            "|Nwachukwu"
        ),
        men=_words("Olumide|Chukwuemeka|Babatunde|Segun|Obinna|Kayode|Ikenna|Femi"),
        women=_words("Funmilayo|Ngozi|Adaora|Yetunde|Chioma|Bukola|Folake|Nkechi|Omolara"),
        languages=(("English", "en", 5), ("Yoruba", "en", 3), ("Igbo", "en", 2)),
        weight=3,
        eal=0.8,
    ),
    "caribbean": Heritage(
        boys=_words("Jayden|Kai|Jahmai|Malachi|Tyrese|Reuben|Isaiah|Zion|Kyrie|Ezra"),
        girls=_words("Aaliyah|Nia|Amara|Imani|Kiara|Jada|Keziah|Zuri|Naomi|Tianna"),
        surnames=_words(
            "Campbell|Francis|Grant|Reid|Brown|Thomas|Edwards|Lewis|Morgan|Hinds|Walters"
            "|McKenzie|Samuels"
        ),
        men=_words("Marlon|Delroy|Andre|Winston|Leon|Carlton|Dwayne|Errol"),
        women=_words("Sharon|Marcia|Tanya|Donna|Michelle|Keisha|Shanice|Paulette"),
        weight=3,
    ),
    "chinese": Heritage(
        boys=_words("Ethan|Lucas|Ryan|Yuxuan|Haoran|Zihan|Junhao|Chun Hei|Tsz Ho|Marcus"),
        girls=_words("Zoe|Chloe|Yuxin|Zixuan|Hoi Ching|Tsz Yan|Isabel|Wing Yan|Mei|Xinyi"),
        surnames=_words("Chan|Wong|Cheung|Lau|Chen|Wang|Zhang|Liu|Ng|Ho|Leung|Lam|Yip"),
        men=_words("Wai Kit|Ka Ho|Kevin|Jason|Wei|Jun|Chi Wai|Hong"),
        women=_words("Mei Ling|Ka Yan|Winnie|Vivian|Xiaoling|Yan|Karen|Hui"),
        languages=(("Cantonese", "zh-Hant", 3), ("Mandarin", "zh-Hans", 2)),
        weight=2,
        eal=0.85,
        prefers_home_language=0.35,
        mother_own_surname=0.7,
    ),
}

# Random pairings can land on a famous name; these are struck out and drawn again.
FAMOUS_NAMES = frozenset(
    _words(
        "Sophie Turner|Joseph Turner|Hayley Turner|Henry Cooper|Daisy Cooper|George Shaw|Luke Shaw"
        "|Scott Parker|Mark Lawson|Mark Hughes|Kelly Holmes|Leanne Wood|Natalie Bennett|Charlotte Green"
        "|David Davies|Isla Fisher|Sophie Ward|Darren Fletcher|Paul Walker|Amy Jackson|Gemma Atkinson"
        "|Muhammad Ali|Mohammed Ali|Shahid Khan|Usman Khan|Naomi Campbell|Winston Reid|Isaiah Thomas"
        "|Leon Edwards|Marlon Samuels|Delroy Grant|Errol Brown"
    )
)

FIRST_NAME_SHORT_FORMS = {
    "Alexander": "Alex",
    "Elizabeth": "Lizzie",
    "Oluwaseun": "Seun",
    "Tobiloba": "Tobi",
    "Thomas": "Tom",
    "Samuel": "Sam",
    "Aleksander": "Olek",
    "Florence": "Flo",
    "Penelope": "Penny",
    "Abdirahman": "Abdi",
    "Temiloluwa": "Temi",
    "Mikołaj": "Mikey",
}

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
FAKE_LA = "999"  # no local authority has this number
FAKE_ESTAB = "2901"
DEMO_RESERVED = set(DEMO_UNIQUE_FIRST_NAMES) | {DEMO_SHARED_SURNAME}


@dataclass
class Child:
    first_name: str
    last_name: str
    boy: bool
    class_code: str
    year_group: int
    date_of_birth: date
    eal: bool
    first_language: str
    preferred_name: str = ""
    sen_status: str = "N"
    primary_need: str = ""
    secondary_need: str = ""
    looked_after: bool = False
    fixed: bool = False
    external_id: str = ""
    upn: str = ""


@dataclass
class Adult:
    title: str
    first_name: str
    last_name: str
    relationship: str
    language: str = "en"
    interpreter: bool = False
    parental_responsibility: bool = True
    email: str = ""
    phone: str = ""
    external_id: str = ""
    # The school has no email address / no mobile number for them (the demo's families show
    # every channel: Telegram, email only, text message only, both).
    no_email: bool = False
    no_phone: bool = False


@dataclass
class Family:
    children: list[Child] = field(default_factory=list)
    adults: list[Adult] = field(default_factory=list)


# --- small helpers ---------------------------------------------------------------------------


def _feminine(heritage: str, surname: str) -> str:
    """Polish surnames agree with the person: Kowalski, Kowalska."""
    if heritage == "polish":
        for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
            if surname.endswith(masculine):
                return surname[: -len(masculine)] + feminine
    return surname


def _ascii(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _weighted(rng: random.Random, options: Mapping[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _sample(rng: random.Random, items: list[Child], weights: list[float], k: int) -> list[Child]:
    """k distinct items, each drawn with its weight."""
    pool, pool_weights, chosen = list(items), list(weights), []
    for _ in range(min(k, len(pool))):
        index = rng.choices(range(len(pool)), weights=pool_weights)[0]
        chosen.append(pool.pop(index))
        pool_weights.pop(index)
    return chosen


def _birth_date(rng: random.Random, year_group: int) -> date:
    """Someone born between 1 September and 31 August is in the same year group."""
    start = date(DEMO_SCHOOL_YEAR - 5 - year_group, 9, 1)
    return start + timedelta(days=rng.randrange(365))


def _upn(entry_year: int, serial: int) -> str:
    """LA number, establishment number, year of allocation, serial; check letter in front."""
    digits = f"{FAKE_LA}{FAKE_ESTAB}{entry_year % 100:02d}{serial:03d}"
    total = sum(int(d) * weight for d, weight in zip(digits, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23] + digits


# --- generating people -----------------------------------------------------------------------


class SchoolBuilder:
    """Holds the random generator and the things that must stay unique while it draws."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.families: list[Family] = []
        self.free = {code: 0 for code, _name, _year in CLASSES}
        self.years = {code: year for code, _name, year in CLASSES}

    def child(self, heritage: str, surname: str, code: str, eal: bool, language: str) -> Child:
        h = HERITAGES[heritage]
        boy = self.rng.random() < 0.5
        while True:
            first = self.rng.choice(h.boys if boy else h.girls)
            last = surname if boy else _feminine(heritage, surname)
            if first not in DEMO_RESERVED and f"{first} {last}" not in FAMOUS_NAMES:
                break
        year = self.years[code]
        return Child(
            first_name=first,
            last_name=last,
            boy=boy,
            class_code=code,
            year_group=year,
            date_of_birth=_birth_date(self.rng, year),
            eal=eal,
            first_language=language if eal else "English",
        )

    def adult(self, heritage: str, surname: str, relationship: str, code: str) -> Adult:
        h, rng = HERITAGES[heritage], self.rng
        woman = relationship in ("mother", "grandmother", "aunt")
        last = _feminine(heritage, surname) if woman else surname
        if woman and rng.random() < h.mother_own_surname:
            last = _feminine(heritage, rng.choice(h.mother_surnames or h.surnames))
        while True:
            first = rng.choice(h.women if woman else h.men)
            if f"{first} {last}" not in FAMOUS_NAMES:
                break
        title = rng.choice(("Mrs", "Ms", "Miss", "Mrs")) if woman else "Mr"
        adult = Adult(title=title, first_name=first, last_name=last, relationship=relationship)
        if code != "en" and rng.random() < h.prefers_home_language:
            adult.language = code
            adult.interpreter = rng.random() < h.interpreter
        return adult

    def take_classes(self, count: int) -> list[str]:
        """Distinct classes for siblings, more likely where more places are free."""
        open_classes = [code for code, free in self.free.items() if free > 0]
        chosen: list[str] = []
        while open_classes and len(chosen) < count:
            weights = [self.free[code] for code in open_classes]
            code = self.rng.choices(open_classes, weights=weights)[0]
            open_classes.remove(code)
            chosen.append(code)
            self.free[code] -= 1
        return chosen

    def family(self) -> Family:
        rng = self.rng
        heritage = _weighted(rng, {key: h.weight for key, h in HERITAGES.items()})
        h = HERITAGES[heritage]
        surname = rng.choice(h.surnames)
        language, code = self._home_language(h)
        eal = language != "English" and rng.random() < h.eal
        size = rng.choices((1, 2, 3), weights=(62, 30, 8))[0]
        family = Family()
        first_names: set[str] = set()
        for class_code in self.take_classes(size):
            child = self.child(heritage, surname, class_code, eal, language)
            if child.first_name not in first_names:  # siblings never share a first name
                first_names.add(child.first_name)
                family.children.append(child)
            else:
                self.free[class_code] += 1
        family.adults = self._parents(heritage, surname, code)
        return family

    def _home_language(self, h: Heritage) -> tuple[str, str]:
        options = {f"{name}|{code}": weight for name, code, weight in h.languages}
        name, code = _weighted(self.rng, options).split("|")
        return name, code

    def _parents(self, heritage: str, surname: str, code: str) -> list[Adult]:
        roll = self.rng.random()
        if roll < 0.62:
            relationships = ["mother", "father"]
        elif roll < 0.70:
            relationships = ["father", "mother"]
        elif roll < 0.90:
            relationships = ["mother"]
        elif roll < 0.95:
            relationships = ["father"]
        else:
            relationships = ["mother", "grandmother"]
        adults = [self.adult(heritage, surname, rel, code) for rel in relationships]
        for adult in adults:
            adult.parental_responsibility = adult.relationship in ("mother", "father")
        return adults

    def looked_after_family(self) -> Family:
        """A child in foster care: the carer is the contact; the local authority shares
        parental responsibility, so the carer does not hold it."""
        rng = self.rng
        heritage = _weighted(rng, {key: h.weight for key, h in HERITAGES.items()})
        h = HERITAGES[heritage]
        language, _code = self._home_language(h)
        eal = language != "English" and rng.random() < h.eal
        (class_code,) = self.take_classes(1)
        child = self.child(heritage, rng.choice(h.surnames), class_code, eal, language)
        child.looked_after = True
        carer_surname = rng.choice(HERITAGES["white_british"].surnames)
        carer = self.adult("white_british", carer_surname, "mother", "en")
        carer.relationship = "foster carer"
        carer.parental_responsibility = False
        return Family(children=[child], adults=[carer])


def _fixed_families() -> list[Family]:
    """The demo class's known pupils, the same for every seed."""

    def pupil(first: str, last: str, boy: bool, born: date, **extra: object) -> Child:
        year = 2 if first == "Xavier" else 4
        code = DEMO_OTHER_CLASS_CODE if first == "Xavier" else DEMO_CLASS_CODE
        child = Child(first, last, boy, code, year, born, False, "English", fixed=True)
        for name, value in extra.items():
            setattr(child, name, value)
        return child

    return [
        Family(
            [pupil("Amelia", "Hartley", False, date(2017, 5, 12), sen_status="K",
                   primary_need="SPLD")],
            [
                Adult("Mrs", "Laura", "Hartley", "mother", email=DEMO_PARENT_EMAIL),
                Adult("Mr", "Ben", "Hartley", "father"),
            ],
        ),
        Family(
            [pupil("Kacper", "Wiśniewski", True, date(2016, 10, 3), sen_status="K",
                   primary_need="SLCN", eal=True, first_language="Polish")],
            [
                Adult("Mrs", "Magdalena", "Wiśniewska", "mother", "pl", True,
                      email=DEMO_PARENT_PL_EMAIL, no_phone=True),
                Adult("Mr", "Tomasz", "Wiśniewski", "father", "pl", no_email=True),
            ],
        ),
        Family(
            [pupil("Zainab", "Qureshi", False, date(2017, 1, 27), sen_status="E",
                   primary_need="ASD", secondary_need="SLCN", eal=True,
                   first_language="Urdu")],
            [
                Adult("Mrs", "Nasreen", "Qureshi", "mother", "ur", email=DEMO_PARENT_UR_EMAIL),
                Adult("Mr", "Adeel", "Qureshi", "father"),
            ],
        ),
        Family(
            [pupil("Isaac", "Walsh", True, date(2017, 8, 19), sen_status="K",
                   primary_need="SEMH")],
            [Adult("Ms", "Kirsty", "Walsh", "mother")],
        ),
        Family(
            [pupil("Ella", "Walsh", False, date(2016, 12, 8))],
            [Adult("Mr", "Craig", "Walsh", "father"), Adult("Mrs", "Gemma", "Walsh", "mother")],
        ),
        Family(
            [pupil("Xavier", "Bamford", True, date(2019, 2, 12))],
            [Adult("Mrs", "Helen", "Bamford", "mother"), Adult("Mr", "Gavin", "Bamford", "father")],
        ),
    ]  # fmt: skip


def _build(seed: int) -> list[Family]:
    builder = SchoolBuilder(seed)
    rng = builder.rng
    for code in builder.free:
        builder.free[code] = 29 + rng.choice((-1, 0, 0, 1))
    families = _fixed_families()
    for child in (c for f in families for c in f.children):
        builder.free[child.class_code] -= 1
    families += [builder.looked_after_family() for _ in range(2)]
    while any(free > 0 for free in builder.free.values()):
        family = builder.family()
        if family.children:
            families.append(family)
    return families


# --- SEN, names and ids across the whole school ----------------------------------------------


def _assign_sen(rng: random.Random, pupils: list[Child]) -> None:
    """About 15% on SEN support and 2% with an EHC plan, as in English primary schools;
    boys about twice as often, and fewer in Reception, where needs are still being found."""
    total = len(pupils)
    targets = {
        "E": round(total * 0.02),
        "K": round(total * 0.15),
        "monitoring": round(total * 0.04),
    }
    for status in ("E", "K", "monitoring"):
        have = sum(1 for p in pupils if p.sen_status == status)
        free = [p for p in pupils if p.sen_status == "N" and not p.fixed]
        weights = [(2.0 if p.boy else 1.0) * (0.5 if p.year_group == 0 else 1.0) for p in free]
        weights = [w * (3 if p.looked_after else 1) for w, p in zip(weights, free, strict=True)]
        chosen = _sample(rng, free, weights, targets[status] - have)
        for pupil in chosen:
            pupil.sen_status = status
        if status == "monitoring":
            continue
        table = EHC_PLAN_NEEDS if status == "E" else SEN_SUPPORT_NEEDS
        areas = list(NEEDS_BY_AREA.values()) if status == "K" else []
        for pupil in chosen:
            # The first few cover every broad area, so the demo always shows all four.
            need = rng.choice(areas.pop(0)) if areas else _weighted(rng, table)
            pupil.primary_need = need
            if rng.random() < 0.25:
                others = {code: w for code, w in SEN_SUPPORT_NEEDS.items() if code != need}
                pupil.secondary_need = _weighted(rng, others)


def _assign_ids(rng: random.Random, families: list[Family]) -> None:
    pupils = sorted(
        (c for f in families for c in f.children),
        key=lambda c: (c.year_group, _ascii(c.last_name), _ascii(c.first_name)),
    )
    serials: dict[int, int] = {}
    for number, pupil in enumerate(pupils, start=1):
        pupil.external_id = f"P{number:04d}"
        entry = DEMO_SCHOOL_YEAR - pupil.year_group
        serials[entry] = serials.get(entry, 0) + 1
        pupil.upn = _upn(entry, serials[entry])
        short = FIRST_NAME_SHORT_FORMS.get(pupil.first_name)
        if short and not pupil.fixed and rng.random() < 0.5:
            pupil.preferred_name = short
    phones = rng.sample(range(1000), 1000)
    emails: set[str] = {DEMO_PARENT_EMAIL, DEMO_PARENT_PL_EMAIL, DEMO_PARENT_UR_EMAIL}
    adults = [a for f in families for a in f.adults]
    for number, adult in enumerate(adults, start=1):
        adult.external_id = f"G{number:04d}"
        # Every seventh adult gave the school only an email address; about one in seven
        # only a mobile number (the draw is made for everyone, so the school stays the same).
        adult.no_phone = adult.no_phone or number % 7 == 3
        if not adult.no_phone:
            adult.phone = f"07700 900{phones[number - 1]:03d}"  # Ofcom's range for drama
        if not adult.email and rng.random() < 0.85 and not adult.no_email:
            adult.email = _family_email(adult, emails)


def _family_email(adult: Adult, taken: set[str]) -> str:
    base = f"{_ascii(adult.first_name)}.{_ascii(adult.last_name)}"
    email, n = f"{base}@family.example", 1
    while email in taken:
        n += 1
        email = f"{base}{n}@family.example"
    taken.add(email)
    return email


# --- writing the files -----------------------------------------------------------------------


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _write(folder: Path, name: str, header: Sequence[str], rows: list[Sequence[str]]) -> None:
    """UTF-8 with CRLF line endings, as MIS exports come."""
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _pupil_row(p: Child) -> list[str]:
    return [
        p.external_id,
        p.upn,
        p.first_name,
        p.last_name,
        p.preferred_name,
        p.date_of_birth.strftime("%d/%m/%Y"),
        "R" if p.year_group == 0 else str(p.year_group),
        p.class_code,
        p.sen_status,
        p.primary_need,
        p.secondary_need,
        _yn(p.eal),
        p.first_language,
        _yn(p.looked_after),
    ]


def write_demo_roster(folder: Path, seed: int = DEMO_SEED) -> None:
    """Write Brookfield Primary's roster as MIS CSV files; the same seed, the same files."""
    folder.mkdir(parents=True, exist_ok=True)
    families = _build(seed)
    rng = random.Random(seed + 1)
    pupils = [c for f in families for c in f.children]
    _assign_sen(rng, pupils)
    _assign_ids(rng, families)
    pupils.sort(key=lambda p: p.external_id)

    _write(folder, "school.csv", ["urn", "name", "timezone", "nation"],
           [[DEMO_URN, DEMO_SCHOOL_NAME, "Europe/London", "england"]])  # fmt: skip
    _write(folder, "classes.csv", ["class_code", "name", "year_group"],
           [[code, name, "R" if year == 0 else str(year)] for code, name, year in CLASSES])  # fmt: skip
    _write(
        folder,
        "staff.csv",
        ["staff_id", "title", "first_name", "last_name", "email", "roles"],
        [list(member[:6]) for member in STAFF],
    )
    _write(
        folder,
        "class_staff.csv",
        ["class_code", "staff_id", "role"],
        [
            [code, member[0], "ta" if "teacher" not in member[5] else "teacher"]
            for member in STAFF
            for code in member[6]
        ],
    )
    _write(
        folder,
        "pupils.csv",
        ["pupil_id", "upn", "legal_first_name", "legal_last_name", "preferred_first_name",
         "date_of_birth", "year_group", "class_code", "sen_status", "primary_need",
         "secondary_need", "eal", "first_language", "looked_after"],
        [_pupil_row(p) for p in pupils],
    )  # fmt: skip
    adults = [a for f in families for a in f.adults]
    _write(
        folder,
        "guardians.csv",
        ["guardian_id", "title", "first_name", "last_name", "email", "phone",
         "preferred_language", "needs_interpreter"],
        [[a.external_id, a.title, a.first_name, a.last_name, a.email, a.phone, a.language,
          _yn(a.interpreter)] for a in adults],
    )  # fmt: skip
    _write(
        folder,
        "guardian_links.csv",
        ["guardian_id", "pupil_id", "relationship", "parental_responsibility",
         "contact_priority"],
        [[a.external_id, c.external_id, a.relationship, _yn(a.parental_responsibility),
          str(priority)]
         for f in families for c in f.children
         for priority, a in enumerate(f.adults, start=1)],
    )  # fmt: skip
