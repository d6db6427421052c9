package permission

import (
	"fmt"
	"slices"
	"strings"
)

// Audience says who holds a permission when no rule decides.
type Audience int

// Audiences.
const (
	// AudienceUsers: every signed-in user (and guest).
	AudienceUsers Audience = iota
	// AudienceAdmins: only the users permission.admins names.
	AudienceAdmins
)

// Definition is a permission Callboard knows: its wire form, the plugin
// that owns it and who holds it by default.
type Definition struct {
	Permission
	PluginID string
	Default  Audience
}

// Plugin ids that own permissions.
const (
	PluginCatalog    = "catalog"
	PluginScaffolder = "scaffolder"
	PluginCallboard  = "callboard"
)

// Scaffolder resource types.
const (
	ResourceTypeTemplate = "scaffolder-template"
	ResourceTypeAction   = "scaffolder-action"
	ResourceTypeTask     = "scaffolder-task"
)

// Scaffolder permission names, as Backstage's scaffolder names them.
// Software templates enforce them when they land; they are defined now so
// policies can name them.
const (
	ScaffolderTaskCreate         = "scaffolder.task.create"
	ScaffolderTaskRead           = "scaffolder.task.read"
	ScaffolderTaskCancel         = "scaffolder.task.cancel"
	ScaffolderTemplateDryRun     = "scaffolder.template.dry-run"
	ScaffolderTemplateParamRead  = "scaffolder.template.parameter.read"
	ScaffolderTemplateStepRead   = "scaffolder.template.step.read"
	ScaffolderTemplateManagement = "scaffolder.template.management"
	ScaffolderActionExecute      = "scaffolder.action.execute"
)

// Callboard's own permissions.
const (
	// CallboardAdmin opens the administration pages and endpoints.
	CallboardAdmin = "callboard.admin"
	// CallboardAuditRead reads and exports the audit log.
	CallboardAuditRead = "callboard.audit.read"
	// CallboardPolicyRead shows the permission policy and explains
	// decisions.
	CallboardPolicyRead = "callboard.policy.read"
	// CallboardApprovalRead lists approvals waiting in workflows.
	CallboardApprovalRead = "callboard.approval.read"
	// CallboardApprovalDecide approves or rejects a workflow step; the
	// step's own approver list still applies.
	CallboardApprovalDecide = "callboard.approval.decide"
)

// ScaffolderDefinitions lists the scaffolder's permissions.
func ScaffolderDefinitions() []Definition {
	d := func(name, typ, action, resourceType string, aud Audience) Definition {
		return Definition{Permission: Permission{Name: name, Type: typ, Action: action, ResourceType: resourceType}, PluginID: PluginScaffolder, Default: aud}
	}
	return []Definition{
		d(ScaffolderActionExecute, TypeResource, "", ResourceTypeAction, AudienceUsers),
		d(ScaffolderTaskCreate, TypeBasic, ActionCreate, "", AudienceUsers),
		d(ScaffolderTaskRead, TypeResource, ActionRead, ResourceTypeTask, AudienceUsers),
		d(ScaffolderTaskCancel, TypeResource, "", ResourceTypeTask, AudienceUsers),
		d(ScaffolderTemplateDryRun, TypeBasic, "", "", AudienceUsers),
		d(ScaffolderTemplateParamRead, TypeResource, ActionRead, ResourceTypeTemplate, AudienceUsers),
		d(ScaffolderTemplateStepRead, TypeResource, ActionRead, ResourceTypeTemplate, AudienceUsers),
		d(ScaffolderTemplateManagement, TypeBasic, "", "", AudienceAdmins),
	}
}

// CallboardDefinitions lists Callboard's own permissions.
func CallboardDefinitions() []Definition {
	d := func(name, action string, aud Audience) Definition {
		return Definition{Permission: Permission{Name: name, Type: TypeBasic, Action: action}, PluginID: PluginCallboard, Default: aud}
	}
	return []Definition{
		d(CallboardAdmin, "", AudienceAdmins),
		d(CallboardAuditRead, ActionRead, AudienceAdmins),
		d(CallboardPolicyRead, ActionRead, AudienceAdmins),
		d(CallboardApprovalRead, ActionRead, AudienceUsers),
		d(CallboardApprovalDecide, ActionUpdate, AudienceUsers),
	}
}

// Definitions is the set of known permissions, by name.
type Definitions struct {
	list   []Definition
	byName map[string]Definition
}

// NewDefinitions collects definitions; a name defined twice, a bad type
// or a resource permission without a resource type is an error.
func NewDefinitions(lists ...[]Definition) (*Definitions, error) {
	d := &Definitions{byName: map[string]Definition{}}
	for _, l := range lists {
		for _, def := range l {
			if _, dup := d.byName[def.Name]; dup {
				return nil, fmt.Errorf("permission %q is defined twice", def.Name)
			}
			switch {
			case def.Name == "" || strings.TrimSpace(def.Name) != def.Name:
				return nil, fmt.Errorf("permission name %q is not valid", def.Name)
			case def.Type != TypeBasic && def.Type != TypeResource:
				return nil, fmt.Errorf("permission %q: type must be basic or resource", def.Name)
			case def.Type == TypeResource && def.ResourceType == "":
				return nil, fmt.Errorf("permission %q: a resource permission needs a resource type", def.Name)
			case def.PluginID == "":
				return nil, fmt.Errorf("permission %q: no plugin id", def.Name)
			}
			d.byName[def.Name] = def
			d.list = append(d.list, def)
		}
	}
	return d, nil
}

// Lookup returns the definition of a permission name.
func (d *Definitions) Lookup(name string) (Definition, bool) {
	def, ok := d.byName[name]
	return def, ok
}

// Permission returns the wire form of a known permission; it panics for
// an unknown name, which is a programming error.
func (d *Definitions) Permission(name string) Permission {
	def, ok := d.byName[name]
	if !ok {
		panic("permission: unknown permission " + name)
	}
	return def.Permission
}

// All returns every definition, in the order given.
func (d *Definitions) All() []Definition { return slices.Clone(d.list) }

// Plugin returns the definitions a plugin owns, in the order given.
func (d *Definitions) Plugin(id string) []Definition {
	var out []Definition
	for _, def := range d.list {
		if def.PluginID == id {
			out = append(out, def)
		}
	}
	return out
}
