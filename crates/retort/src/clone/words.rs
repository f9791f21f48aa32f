//! The words made-up values are built from.
//!
//! Built in rather than taken from a fake-data crate: a made-up value is a
//! contract with every clone made before (the same key must keep giving
//! the same value, or joins between an old and a new clone stop matching),
//! and a crate's lists and its use of the random generator change between
//! its releases. These lists change only with retort's own major version.

pub const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Alice", "Amara", "Amelia", "Andre", "Anna", "Arjun", "Aya", "Ben", "Bianca", "Boris", "Carla",
    "Carlos", "Chen", "Chloe", "Clara", "Daniel", "Dara", "David", "Diego", "Elena", "Eli", "Emil", "Emma", "Erik",
    "Eva", "Farah", "Felix", "Fatima", "Finn", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ian", "Ines",
    "Ingrid", "Isaac", "Ivan", "Jade", "James", "Jana", "Javier", "Joan", "Jonas", "Julia", "Kai", "Karim", "Kate",
    "Kenji", "Lara", "Leo", "Lena", "Liam", "Lina", "Lucas", "Luis", "Maya", "Mateo", "Mei", "Mia", "Milan", "Mira",
    "Nadia", "Nico", "Nina", "Noah", "Nora", "Olga", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Quinn", "Rafael",
    "Rania", "Rosa", "Ruben", "Sami", "Sara", "Sofia", "Stefan", "Tara", "Theo", "Tomas", "Uma", "Vera", "Victor",
    "Wei", "Yara", "Yusuf", "Zara", "Zoe", "Ola", "Pia", "Rui",
];

pub const LAST_NAMES: &[&str] = &[
    "Abbott", "Adler", "Alvarez", "Andersen", "Bauer", "Becker", "Bennett", "Berg", "Brooks", "Byrne", "Carter",
    "Castro", "Chen", "Costa", "Dahl", "Diaz", "Dubois", "Ellis", "Evans", "Fischer", "Fleming", "Foster", "Garcia",
    "Gomez", "Graham", "Gupta", "Hansen", "Harper", "Hayes", "Holm", "Hughes", "Ibrahim", "Ito", "Jensen", "Jones",
    "Kaur", "Keller", "Khan", "Kim", "Klein", "Kowalski", "Lambert", "Larsen", "Lopez", "Lund", "Marsh", "Martin",
    "Meyer", "Moreau", "Morris", "Murphy", "Nagy", "Nakamura", "Navarro", "Nielsen", "Novak", "Olsen", "Ortiz",
    "Park", "Patel", "Perez", "Quinn", "Ramos", "Reyes", "Rossi", "Russo", "Sato", "Schmidt", "Silva", "Singh",
    "Sousa", "Stone", "Suzuki", "Tanaka", "Torres", "Varga", "Vogel", "Wagner", "Walsh", "Weber", "West", "Wolf",
    "Wong", "Young", "Yilmaz", "Zhang", "Ziegler", "Hart", "Moss", "Ford", "Reed", "Shaw", "Webb", "Wells", "Cole",
    "Lane", "Frost", "Rowe", "Kerr", "Pike",
];

pub const STREETS: &[&str] = &[
    "Maple", "Oak", "Cedar", "Elm", "Pine", "Birch", "Willow", "Aspen", "Chestnut", "Juniper", "Linden", "Magnolia",
    "Hawthorn", "Rowan", "Alder", "Poplar", "Cypress", "Laurel", "Hazel", "Spruce", "Orchard", "Meadow", "River",
    "Lake", "Hill", "Park", "Garden", "Mill", "Church", "Station", "Harbor", "Bridge",
];

pub const STREET_TYPES: &[&str] = &["Street", "Avenue", "Road", "Lane", "Drive", "Way", "Court", "Place"];

pub const CITIES: &[&str] = &[
    "Springfield", "Riverton", "Fairview", "Lakewood", "Greenville", "Brookside", "Milford", "Ashford", "Clearwater",
    "Oakridge", "Westfield", "Northbrook", "Kingsport", "Stonebridge", "Redwood", "Bayview", "Hillcrest", "Maplewood",
    "Eastwick", "Silverton",
];

/// Domains reserved for documentation by RFC 2606: no mail to them reaches
/// anyone.
pub const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];
