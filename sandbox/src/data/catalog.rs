//! The fixed parts of the seeded world: three companies, their warehouses, products and
//! customers. Everything random (dates, prices, quantities, codes) comes from the seeded PRNG
//! in `seed.rs`.

pub(crate) struct CompanySpec {
    pub id: u64,
    pub uuid: &'static str,
    pub name: &'static str,
    pub short_name: &'static str,
    pub currency: &'static str,
    pub timezone: &'static str,
    /// SKU and document prefix (`ACME-TENT-001`, `PO-ACME-00001`).
    pub prefix: &'static str,
    /// Marketplaces, the home market first.
    pub markets: &'static [&'static str],
    /// `(name, type, country_code)`, the main FBA warehouse first.
    pub warehouses: &'static [(&'static str, &'static str, &'static str)],
    /// `(sku code, product name, list price in cents)`.
    pub products: &'static [(&'static str, &'static str, i64)],
    pub variants: &'static [&'static str],
    pub customers: &'static [&'static str],
}

pub(crate) const ACME_UUID: &str = "3f9d2c1e-5a7b-4c8d-9e0f-1a2b3c4d5e01";
pub(crate) const GLOBEX_UUID: &str = "7b1e4d2a-9c3f-4e5a-8b6c-2d3e4f5a6b02";
pub(crate) const INITECH_UUID: &str = "c4e8a2f6-1b3d-4f7a-9c5e-6a7b8c9d0e03";

pub(crate) const COMPANIES: &[CompanySpec] = &[
    CompanySpec {
        id: 101,
        uuid: ACME_UUID,
        name: "Acme Outdoor",
        short_name: "ACME",
        currency: "USD",
        timezone: "America/New_York",
        prefix: "ACME",
        markets: &["US", "CA", "MX"],
        warehouses: &[
            ("FBA US East", "FBA", "US"),
            ("FBA US West", "FBA", "US"),
            ("ShipBob Reno", "3PL", "US"),
            ("FBA Canada", "FBA", "CA"),
        ],
        products: &[
            ("TENT", "Trailblazer 2-Person Tent", 18_999),
            ("BAG", "Summit Down Sleeping Bag", 14_999),
            ("PACK", "Ridgeline 45L Backpack", 12_999),
            ("LAMP", "Beacon 400 Headlamp", 3_499),
            ("STOVE", "Ember Camp Stove", 5_999),
            ("POLE", "Switchback Trekking Poles", 4_999),
            ("PAD", "Cloudrest Sleeping Pad", 7_999),
            ("BOTL", "Glacier Insulated Bottle", 2_999),
            ("CHAIR", "Basecamp Folding Chair", 4_499),
            ("FILT", "PureFlow Water Filter", 3_999),
            ("HAMK", "Driftwood Hammock", 5_499),
            ("COOK", "Trailside Cook Set", 3_799),
        ],
        variants: &["Green", "Slate", "Orange"],
        customers: &[
            "Rocky Trail Outfitters",
            "Jamie Rivera",
            "Pine Ridge Scouts",
            "Morgan Lee",
            "Summit Supply Co",
            "Taylor Brooks",
            "Evergreen Camps",
            "Casey Nguyen",
            "Blue Lake Lodge",
            "Jordan Patel",
            "Wild Fern Guides",
            "Riley Adams",
        ],
    },
    CompanySpec {
        id: 102,
        uuid: GLOBEX_UUID,
        name: "Globex Home",
        short_name: "GLBX",
        currency: "EUR",
        timezone: "Europe/Berlin",
        prefix: "GLBX",
        markets: &["DE", "FR", "IT", "ES"],
        warehouses: &[
            ("FBA Germany", "FBA", "DE"),
            ("FBA France", "FBA", "FR"),
            ("Globex Lager Leipzig", "3PL", "DE"),
            ("FBA Italy", "FBA", "IT"),
        ],
        products: &[
            ("KETL", "Aurora Glass Kettle", 4_999),
            ("TOST", "Crisp 2-Slice Toaster", 3_999),
            ("PILW", "Nimbus Memory Pillow", 3_499),
            ("LAMP", "Halo Table Lamp", 5_999),
            ("THRW", "Cosy Knit Throw", 4_499),
            ("MUGS", "Stoneware Mug Set", 2_999),
            ("KNIF", "Edge Chef Knife", 6_999),
            ("PAN", "Ceramic Frying Pan", 4_599),
            ("DIFF", "Mist Aroma Diffuser", 3_299),
            ("TOWL", "Pure Cotton Towel Set", 3_999),
            ("CLCK", "Nordic Wall Clock", 2_799),
            ("BOWL", "Bamboo Salad Bowl", 2_499),
        ],
        variants: &["White", "Grey", "Sage"],
        customers: &[
            "Haus & Herd GmbH",
            "Lena Fischer",
            "Maison Claire",
            "Jonas Becker",
            "Casa Bella SRL",
            "Sophie Martin",
            "Wohnwelt KG",
            "Marco Rossi",
            "Hogar Feliz SL",
            "Emma Schulz",
            "Küchenliebe",
            "Luca Bianchi",
        ],
    },
    CompanySpec {
        id: 103,
        uuid: INITECH_UUID,
        name: "Initech Supply",
        short_name: "INIT",
        currency: "GBP",
        timezone: "Europe/London",
        prefix: "INIT",
        markets: &["GB", "IE"],
        warehouses: &[
            ("FBA UK", "FBA", "GB"),
            ("FBA UK North", "FBA", "GB"),
            ("Initech Depot Slough", "3PL", "GB"),
            ("FBM Swindon", "FBM", "GB"),
        ],
        products: &[
            ("STPL", "Precision Stapler", 1_999),
            ("PAPR", "A4 Copier Paper 5-Ream", 2_499),
            ("PENS", "Gel Pen 12-Pack", 899),
            ("NOTE", "Hardback Notebook A5", 1_299),
            ("DESK", "Bamboo Desk Organiser", 2_299),
            ("CHRG", "USB-C Desk Charger", 3_499),
            ("LABL", "Label Maker Pro", 4_999),
            ("SHRD", "Cross-Cut Shredder", 8_999),
            ("BNDR", "Ring Binder 10-Pack", 1_599),
            ("LAMP", "LED Desk Lamp", 2_999),
            ("CALC", "Desktop Calculator", 1_499),
            ("WHBD", "Magnetic Whiteboard", 3_999),
        ],
        variants: &["Black", "Blue", "Red"],
        customers: &[
            "Penfold Stationers Ltd",
            "Oliver Smith",
            "Dunmore Office Supplies",
            "Amelia Jones",
            "Cobalt Print Works",
            "Harry Taylor",
            "Riverside Academy",
            "Isla Brown",
            "Northgate Accountants",
            "George Wilson",
            "Quill & Ink",
            "Aoife Murphy",
        ],
    },
];

/// `(market, sales channel id)` of the Amazon marketplaces.
pub(crate) const AMAZON_CHANNELS: &[(&str, u64)] = &[
    ("US", 1),
    ("CA", 2),
    ("MX", 3),
    ("DE", 4),
    ("FR", 5),
    ("IT", 6),
    ("ES", 7),
    ("GB", 8),
    ("IE", 9),
];
pub(crate) const SHOPIFY_CHANNEL: (u64, &str) = (20, "Shopify");
pub(crate) const TIKTOK_CHANNEL: (u64, &str) = (21, "TikTok Shop");

/// Every permission a company member can hold (names as in the OpenAPI example
/// `view:pages.processes.inventory-orders`).
pub(crate) const FULL_PERMISSIONS: &[&str] = &[
    "view:pages.dashboard",
    "view:pages.inventory",
    "view:pages.processes.invoicing",
    "view:pages.processes.inventory-orders",
    "view:pages.reports.landed-cost",
    "edit:pages.processes.invoicing",
    "edit:pages.processes.inventory-orders",
];
/// A read-only member.
pub(crate) const VIEW_PERMISSIONS: &[&str] = &[
    "view:pages.dashboard",
    "view:pages.inventory",
    "view:pages.processes.invoicing",
    "view:pages.reports.landed-cost",
];

/// `(id, name, email, [(company uuid, permissions)])`; alice reaches two companies, bob and
/// carol one each, and nobody reaches all three.
pub(crate) type UserSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
);
pub(crate) const USERS: &[UserSpec] = &[
    (
        "alice",
        "Alice Anders",
        "alice@acme.example",
        &[
            (ACME_UUID, FULL_PERMISSIONS),
            (GLOBEX_UUID, VIEW_PERMISSIONS),
        ],
    ),
    (
        "bob",
        "Bob Becker",
        "bob@globex.example",
        &[(GLOBEX_UUID, FULL_PERMISSIONS)],
    ),
    (
        "carol",
        "Carol Chen",
        "carol@initech.example",
        &[(INITECH_UUID, FULL_PERMISSIONS)],
    ),
];
