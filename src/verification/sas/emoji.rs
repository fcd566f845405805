//! The 64 SAS emoji (SPEC.md 12.4.4): Matrix's table, so that people who know Matrix's
//! verification see the same pictures with the same English names.

/// One of the 64 pictures a short authentication string is shown as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SasEmoji {
    /// The emoji, as Unicode text (some with the emoji variation selector U+FE0F).
    pub symbol: &'static str,
    /// Its English name, for people who cannot see the picture (and for screen readers).
    pub name: &'static str,
}

/// The table, by index (SPEC.md 12.4.4).
pub const SAS_EMOJI: [SasEmoji; 64] = [
    SasEmoji {
        symbol: "\u{1F436}",
        name: "Dog",
    },
    SasEmoji {
        symbol: "\u{1F431}",
        name: "Cat",
    },
    SasEmoji {
        symbol: "\u{1F981}",
        name: "Lion",
    },
    SasEmoji {
        symbol: "\u{1F40E}",
        name: "Horse",
    },
    SasEmoji {
        symbol: "\u{1F984}",
        name: "Unicorn",
    },
    SasEmoji {
        symbol: "\u{1F437}",
        name: "Pig",
    },
    SasEmoji {
        symbol: "\u{1F418}",
        name: "Elephant",
    },
    SasEmoji {
        symbol: "\u{1F430}",
        name: "Rabbit",
    },
    SasEmoji {
        symbol: "\u{1F43C}",
        name: "Panda",
    },
    SasEmoji {
        symbol: "\u{1F413}",
        name: "Rooster",
    },
    SasEmoji {
        symbol: "\u{1F427}",
        name: "Penguin",
    },
    SasEmoji {
        symbol: "\u{1F422}",
        name: "Turtle",
    },
    SasEmoji {
        symbol: "\u{1F41F}",
        name: "Fish",
    },
    SasEmoji {
        symbol: "\u{1F419}",
        name: "Octopus",
    },
    SasEmoji {
        symbol: "\u{1F98B}",
        name: "Butterfly",
    },
    SasEmoji {
        symbol: "\u{1F337}",
        name: "Flower",
    },
    SasEmoji {
        symbol: "\u{1F333}",
        name: "Tree",
    },
    SasEmoji {
        symbol: "\u{1F335}",
        name: "Cactus",
    },
    SasEmoji {
        symbol: "\u{1F344}",
        name: "Mushroom",
    },
    SasEmoji {
        symbol: "\u{1F30F}",
        name: "Globe",
    },
    SasEmoji {
        symbol: "\u{1F319}",
        name: "Moon",
    },
    SasEmoji {
        symbol: "\u{2601}\u{FE0F}",
        name: "Cloud",
    },
    SasEmoji {
        symbol: "\u{1F525}",
        name: "Fire",
    },
    SasEmoji {
        symbol: "\u{1F34C}",
        name: "Banana",
    },
    SasEmoji {
        symbol: "\u{1F34E}",
        name: "Apple",
    },
    SasEmoji {
        symbol: "\u{1F353}",
        name: "Strawberry",
    },
    SasEmoji {
        symbol: "\u{1F33D}",
        name: "Corn",
    },
    SasEmoji {
        symbol: "\u{1F355}",
        name: "Pizza",
    },
    SasEmoji {
        symbol: "\u{1F382}",
        name: "Cake",
    },
    SasEmoji {
        symbol: "\u{2764}\u{FE0F}",
        name: "Heart",
    },
    SasEmoji {
        symbol: "\u{1F600}",
        name: "Smiley",
    },
    SasEmoji {
        symbol: "\u{1F916}",
        name: "Robot",
    },
    SasEmoji {
        symbol: "\u{1F3A9}",
        name: "Hat",
    },
    SasEmoji {
        symbol: "\u{1F453}",
        name: "Glasses",
    },
    SasEmoji {
        symbol: "\u{1F527}",
        name: "Spanner",
    },
    SasEmoji {
        symbol: "\u{1F385}",
        name: "Santa",
    },
    SasEmoji {
        symbol: "\u{1F44D}",
        name: "Thumbs Up",
    },
    SasEmoji {
        symbol: "\u{2602}\u{FE0F}",
        name: "Umbrella",
    },
    SasEmoji {
        symbol: "\u{231B}",
        name: "Hourglass",
    },
    SasEmoji {
        symbol: "\u{23F0}",
        name: "Clock",
    },
    SasEmoji {
        symbol: "\u{1F381}",
        name: "Gift",
    },
    SasEmoji {
        symbol: "\u{1F4A1}",
        name: "Light Bulb",
    },
    SasEmoji {
        symbol: "\u{1F4D5}",
        name: "Book",
    },
    SasEmoji {
        symbol: "\u{270F}\u{FE0F}",
        name: "Pencil",
    },
    SasEmoji {
        symbol: "\u{1F4CE}",
        name: "Paperclip",
    },
    SasEmoji {
        symbol: "\u{2702}\u{FE0F}",
        name: "Scissors",
    },
    SasEmoji {
        symbol: "\u{1F512}",
        name: "Lock",
    },
    SasEmoji {
        symbol: "\u{1F511}",
        name: "Key",
    },
    SasEmoji {
        symbol: "\u{1F528}",
        name: "Hammer",
    },
    SasEmoji {
        symbol: "\u{260E}\u{FE0F}",
        name: "Telephone",
    },
    SasEmoji {
        symbol: "\u{1F3C1}",
        name: "Flag",
    },
    SasEmoji {
        symbol: "\u{1F682}",
        name: "Train",
    },
    SasEmoji {
        symbol: "\u{1F6B2}",
        name: "Bicycle",
    },
    SasEmoji {
        symbol: "\u{2708}\u{FE0F}",
        name: "Aeroplane",
    },
    SasEmoji {
        symbol: "\u{1F680}",
        name: "Rocket",
    },
    SasEmoji {
        symbol: "\u{1F3C6}",
        name: "Trophy",
    },
    SasEmoji {
        symbol: "\u{26BD}",
        name: "Ball",
    },
    SasEmoji {
        symbol: "\u{1F3B8}",
        name: "Guitar",
    },
    SasEmoji {
        symbol: "\u{1F3BA}",
        name: "Trumpet",
    },
    SasEmoji {
        symbol: "\u{1F514}",
        name: "Bell",
    },
    SasEmoji {
        symbol: "\u{2693}",
        name: "Anchor",
    },
    SasEmoji {
        symbol: "\u{1F3A7}",
        name: "Headphones",
    },
    SasEmoji {
        symbol: "\u{1F4C1}",
        name: "Folder",
    },
    SasEmoji {
        symbol: "\u{1F4CC}",
        name: "Pin",
    },
];
