"""Word lists for the demo data (see trainers/demo.py): a fictional gym chain."""

from __future__ import annotations

EMAIL_DOMAIN = "pulsefit.example"


def _names(text: str) -> list[str]:
    """Names separated by white space; an underscore stands for a space inside a name."""
    return [name.replace("_", " ") for name in text.split()]


# slug, name, city, IANA time zone, phone prefix (fictional or reserved ranges)
BRANCHES = [
    ("london-shoreditch", "Shoreditch", "London", "Europe/London", "+44 7700 900"),
    ("manchester-ancoats", "Ancoats", "Manchester", "Europe/London", "+44 7700 901"),
    ("berlin-kreuzberg", "Kreuzberg", "Berlin", "Europe/Berlin", "+49 30 5550"),
    ("amsterdam-jordaan", "Jordaan", "Amsterdam", "Europe/Amsterdam", "+31 20 555"),
    ("new-york-williamsburg", "Williamsburg", "New York", "America/New_York", "+1 718 555 01"),
    ("chicago-wicker-park", "Wicker Park", "Chicago", "America/Chicago", "+1 312 555 01"),
    ("toronto-queen-west", "Queen West", "Toronto", "America/Toronto", "+1 416 555 01"),
    ("sydney-surry-hills", "Surry Hills", "Sydney", "Australia/Sydney", "+61 2 5550"),
]

# slug, name, description, class titles
SPECIALTIES = [
    (
        "yoga",
        "Yoga",
        "Breath-led flows for strength, balance and calm.",
        ["Vinyasa Flow", "Yin Yoga", "Morning Yoga", "Power Yoga"],
    ),
    (
        "strength",
        "Strength training",
        "Barbell and dumbbell work with sound technique.",
        ["Strength Foundations", "Barbell Club", "Full-Body Strength"],
    ),
    (
        "hiit",
        "HIIT",
        "Short, hard intervals that build fitness fast.",
        ["HIIT 30", "Tabata Burn", "Metcon"],
    ),
    (
        "rehab",
        "Rehabilitation",
        "Safe return to training after injury.",
        ["Back Care", "Knee Rehab Circuit", "Post-Injury Strength"],
    ),
    (
        "pilates",
        "Pilates",
        "Core control and posture, on the mat and the reformer.",
        ["Mat Pilates", "Reformer Pilates", "Pilates Core"],
    ),
    (
        "boxing",
        "Boxing",
        "Pad work, footwork and conditioning from the ring.",
        ["Boxing Fundamentals", "Boxfit", "Pad Work"],
    ),
    (
        "mobility",
        "Mobility",
        "Joint health and range of motion for every body.",
        ["Mobility Flow", "Stretch and Release"],
    ),
    (
        "spinning",
        "Indoor cycling",
        "Rhythm rides and climbs on the bike.",
        ["Spin 45", "Rhythm Ride", "Hill Climb"],
    ),
    (
        "kettlebells",
        "Kettlebells",
        "Swings, snatches and get-ups for power and grit.",
        ["Kettlebell Basics", "Bells and Bodyweight"],
    ),
    (
        "crossfit",
        "Functional fitness",
        "Varied functional movements at high intensity.",
        ["WOD", "Functional Fitness", "Engine Builder"],
    ),
    (
        "nutrition",
        "Nutrition coaching",
        "Habits and plans that support your training.",
        ["Nutrition Clinic"],
    ),
    (
        "running",
        "Running",
        "Technique, intervals and plans from 5k to marathon.",
        ["Run Club", "Treadmill Intervals"],
    ),
    (
        "prenatal",
        "Pre- and postnatal",
        "Training adapted to pregnancy and recovery.",
        ["Prenatal Yoga", "Mums and Bumps"],
    ),
    (
        "seniors",
        "Active ageing",
        "Strength and balance for older adults.",
        ["Silver Strength", "Balance and Falls Prevention"],
    ),
    (
        "dance",
        "Dance fitness",
        "Cardio that feels like a night out.",
        ["Dance Cardio", "Zumba", "Barre"],
    ),
]

# name, issuer, years of validity (None: does not expire)
CERTIFICATIONS = [
    ("Certified Personal Trainer (CPT)", "NASM", 2),
    ("Certified Strength and Conditioning Specialist (CSCS)", "NSCA", 3),
    ("Corrective Exercise Specialist (CES)", "NASM", 2),
    ("Group Fitness Instructor", "American Council on Exercise", 2),
    ("Level 3 Diploma in Personal Training", "Active IQ", None),
    ("RYT-200 Registered Yoga Teacher", "Yoga Alliance", None),
    ("RYT-500 Registered Yoga Teacher", "Yoga Alliance", None),
    ("Comprehensive Pilates Instructor", "Balanced Body", None),
    ("CrossFit Level 2 Trainer", "CrossFit", 5),
    ("StrongFirst Kettlebell Instructor (SFG I)", "StrongFirst", 2),
    ("Precision Nutrition Level 1 Coach", "Precision Nutrition", None),
    ("First Aid, CPR and AED", "American Red Cross", 2),
    ("Emergency First Aid at Work", "St John Ambulance", 3),
    ("Spinning Instructor", "Mad Dogg Athletics", 2),
    ("Boxing Coach Level 1", "England Boxing", 3),
    ("Functional Range Conditioning Mobility Specialist", "Functional Anatomy Seminars", None),
    ("Pre- and Postnatal Exercise Specialist", "Burrell Education", None),
    ("Exercise for Older Adults", "YMCAfit", None),
]

FEMALE_FIRST_NAMES = _names(
    """
Amelia Olivia Isla Ava Mia Sophia Grace Lily Freya Emily Ella Chloe Zara Aisha Priya Ananya
Hannah Lea Emma Mila Sofia Lena Marie Anna Julia Sara Noor Fatima Yasmin Leila Maya Nina Chiara
Giulia Lucia Elena Carmen Ines Ana Camila Valentina Isabela Mariana Ximena Aiko Yuki Mei Hana
Ji-woo Seo-yeon Linh Thao Amara Zainab Chioma Nia Imani Keisha Jasmine Brooke Madison Harper
Abigail Charlotte Evelyn Scarlett Ruby Poppy Niamh Siobhan Aoife Saoirse Ingrid Astrid Freja
Elin Saga Maja Zofia Agnieszka Katarzyna Olga Daria Tamar Noa Roxana Elif Zeynep
"""
)

MALE_FIRST_NAMES = _names(
    """
Oliver George Noah Arthur Leo Harry Oscar Jack Jacob Thomas James William Muhammad Omar Yusuf
Arjun Rohan Vikram Ben Paul Lukas Felix Jonas Elias Maximilian Finn Luca Matteo Lorenzo Marco
Diego Mateo Santiago Javier Pablo Carlos Joao Rafael Tiago Kenji Haruto Ren Min-jun Ji-ho Minh
Duc Kwame Kofi Emeka Tunde Malik Darnell Jamal Tyrone Ethan Mason Logan Lucas Aiden Caleb Connor
Liam Sean Cian Ronan Magnus Erik Lars Henrik Sven Jakub Piotr Tomasz Dmitri Ivan Aleksander
Eitan Yosef Mehmet Emre Kerem Andrei Stefan Nikolai Samuel Daniel Gabriel Isaac Adam Aaron
"""
)

LAST_NAMES = _names(
    """
Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Thompson Robinson
White Hughes Edwards Green Hall Wood Harris Clarke Jackson Turner Hill Moore Cooper Ward King
Morgan Kaur Singh Shah Khan Ali Hussain Begum Ahmed Rahman Murphy Kelly O'Brien Byrne Ryan Walsh
McCarthy Gallagher Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz
Koch Richter Klein Wolf Neumann Schwarz Zimmermann de_Jong Jansen de_Vries van_den_Berg Bakker
Visser Smit Meijer de_Boer Mulder Bos Vos Peters Hendriks Dekker Rossi Russo Ferrari Esposito
Bianchi Romano Colombo Ricci Garcia Martinez Rodriguez Lopez Hernandez Gonzalez Perez Sanchez
Ramirez Torres Flores Rivera Gomez Diaz Silva Santos Oliveira Costa Pereira Almeida Nguyen Tran
Le Pham Kim Lee Park Choi Jung Tanaka Suzuki Takahashi Watanabe Sato Chen Wang Zhang Liu Yang
Huang Wu Zhou Okafor Mensah Adeyemi Okonkwo Boateng Mwangi Nowak Kowalski Wisniewski Kowalczyk
Novak Svoboda Ivanova Petrov Popescu Yilmaz Kaya Demir Cohen Levi Mizrahi Andersson Johansson
Karlsson Nilsson Hansen Nielsen Larsen Jensen Virtanen Korhonen Tremblay Gagnon Roy Cote
Campbell Stewart Anderson MacDonald Scott Reid Murray Fraser Robertson
"""
)

BIO_OPENERS = [
    "{first} has coached at {branch} since {year}.",
    "{first} joined our {city} team in {year}.",
    "A coach since {year}, {first} works out of our {branch} studio.",
    "{first} found training after years of competitive {sport} and never looked back.",
    "Before coaching, {first} spent a decade in {career}.",
]
BIO_MIDDLES = [
    "Sessions focus on {spec}, with clear cues and steady progress.",
    "Expect thoughtful programming built around {spec}.",
    "Members come to {first} for {spec} and stay for the community.",
    "{first} believes {spec} should be accessible to every body and every age.",
    "Every class blends {spec} with mobility work that keeps joints happy.",
    "{first} specialises in {spec} and loves helping beginners feel at home.",
]
BIO_CLOSERS = [
    "Outside the gym you will find {first} hiking, cooking or at a live gig.",
    "Favourite lift: the deadlift. Favourite recovery: a long walk.",
    "{first} speaks {language} and English.",
    "Ask about a free first session.",
    "Currently training for a half marathon.",
    "Motto: consistency beats intensity.",
]
BIO_SPORTS = ["football", "swimming", "rowing", "gymnastics", "athletics", "rugby", "tennis"]
BIO_CAREERS = ["finance", "nursing", "the army", "software", "teaching", "dance", "hospitality"]
BIO_LANGUAGES = ["Spanish", "German", "French", "Italian", "Portuguese", "Hindi", "Polish"]
