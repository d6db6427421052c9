package catalog

// Catalog permission names, as Backstage's catalog and its
// unprocessed-entities module name them, so that policies written for
// Backstage apply unchanged. Enforcement reads them from Permissions.
const (
	PermissionEntityRead        = "catalog.entity.read"
	PermissionEntityCreate      = "catalog.entity.create"
	PermissionEntityDelete      = "catalog.entity.delete"
	PermissionEntityRefresh     = "catalog.entity.refresh"
	PermissionEntityValidate    = "catalog.entity.validate"
	PermissionLocationRead      = "catalog.location.read"
	PermissionLocationCreate    = "catalog.location.create"
	PermissionLocationAnalyze   = "catalog.location.analyze"
	PermissionLocationDelete    = "catalog.location.delete"
	PermissionIngestionRead     = "catalog.ingestion.read"
	PermissionIngestionManage   = "catalog.ingestion.manage"
	PermissionUnprocessedRead   = "catalog.entities.unprocessed.read"
	PermissionUnprocessedDelete = "catalog.entities.unprocessed.delete"
)

// ResourceTypeEntity is the resource type of permissions checked against
// one entity; the resource ref is the entity's canonical ref.
const ResourceTypeEntity = "catalog-entity"

// Permission describes one permission as the permission framework's
// metadata endpoint lists it.
type Permission struct {
	Name string
	// Type is "basic" or "resource".
	Type string
	// Action is create, read, update or delete; "" when the permission
	// names none.
	Action string
	// ResourceType is set for resource permissions.
	ResourceType string
}

// Permissions lists every catalog permission.
func Permissions() []Permission {
	basic := func(name, action string) Permission {
		return Permission{Name: name, Type: "basic", Action: action}
	}
	resource := func(name, action string) Permission {
		return Permission{Name: name, Type: "resource", Action: action, ResourceType: ResourceTypeEntity}
	}
	return []Permission{
		resource(PermissionEntityRead, "read"),
		basic(PermissionEntityCreate, "create"),
		resource(PermissionEntityDelete, "delete"),
		resource(PermissionEntityRefresh, "update"),
		basic(PermissionEntityValidate, ""),
		basic(PermissionLocationRead, "read"),
		basic(PermissionLocationCreate, "create"),
		basic(PermissionLocationDelete, "delete"),
		basic(PermissionLocationAnalyze, ""),
		basic(PermissionIngestionRead, "read"),
		basic(PermissionIngestionManage, "update"),
		basic(PermissionUnprocessedRead, "read"),
		basic(PermissionUnprocessedDelete, "delete"),
	}
}
