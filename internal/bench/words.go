package bench

// Word lists the generator draws names, titles and descriptions from.
var (
	adjectives = []string{
		"amber", "atlas", "azure", "bold", "brisk", "cedar", "clear", "cobalt", "coral", "crisp",
		"delta", "ember", "fleet", "frost", "golden", "granite", "harbor", "iron", "jade", "keen",
		"lunar", "maple", "nimble", "north", "onyx", "polar", "prime", "quiet", "rapid", "rust",
		"sable", "silver", "solar", "steady", "swift", "teal", "terra", "vivid", "warm", "zenith",
	}
	nouns = []string{
		"account", "audit", "basket", "billing", "booking", "catalog", "checkout", "claim", "coupon", "credit",
		"customer", "delivery", "device", "document", "email", "event", "feature", "forecast", "fraud", "gateway",
		"identity", "inventory", "invoice", "ledger", "loyalty", "media", "message", "metric", "order", "partner",
		"payment", "pricing", "profile", "quote", "rating", "refund", "report", "review", "route", "search",
		"session", "shipment", "stock", "subscription", "supplier", "tax", "ticket", "token", "vendor", "warehouse",
	}
	firstNames = []string{
		"ada", "amir", "anna", "bea", "carlos", "chen", "dara", "elif", "emma", "farid",
		"grace", "hana", "ivan", "jonas", "kai", "lea", "lucas", "maya", "mei", "nadia",
		"noah", "olga", "omar", "priya", "rafael", "sara", "tariq", "uma", "vera", "yuki",
	}
	lastNames = []string{
		"alvarez", "berg", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito", "jensen",
		"kowalski", "larsen", "moreau", "nakamura", "okafor", "petrov", "quinn", "rossi", "schmidt", "tanaka",
		"usman", "varga", "weber", "xu", "yilmaz", "zhang", "novak", "silva", "khan", "murphy",
	}
	tagWords = []string{
		"go", "java", "python", "typescript", "kotlin", "rust", "grpc", "kafka", "postgres", "redis",
		"react", "internal", "public", "pci", "gdpr", "batch", "realtime", "ml",
	}
	resourceTypes = []string{"database", "s3-bucket", "queue", "cache", "topic"}
	systemTypes   = []string{"product", "platform", "internal"}
)
