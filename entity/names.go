package entity

// Relation types (Backstage's relations.ts); each has a reverse.
const (
	RelationOwnedBy       = "ownedBy"
	RelationOwnerOf       = "ownerOf"
	RelationConsumesAPI   = "consumesApi"
	RelationAPIConsumedBy = "apiConsumedBy"
	RelationProvidesAPI   = "providesApi"
	RelationAPIProvidedBy = "apiProvidedBy"
	RelationDependsOn     = "dependsOn"
	RelationDependencyOf  = "dependencyOf"
	RelationParentOf      = "parentOf"
	RelationChildOf       = "childOf"
	RelationMemberOf      = "memberOf"
	RelationHasMember     = "hasMember"
	RelationPartOf        = "partOf"
	RelationHasPart       = "hasPart"
)

// ReverseRelation maps each relation type to its reverse.
var ReverseRelation = map[string]string{
	RelationOwnedBy: RelationOwnerOf, RelationOwnerOf: RelationOwnedBy,
	RelationConsumesAPI: RelationAPIConsumedBy, RelationAPIConsumedBy: RelationConsumesAPI,
	RelationProvidesAPI: RelationAPIProvidedBy, RelationAPIProvidedBy: RelationProvidesAPI,
	RelationDependsOn: RelationDependencyOf, RelationDependencyOf: RelationDependsOn,
	RelationParentOf: RelationChildOf, RelationChildOf: RelationParentOf,
	RelationMemberOf: RelationHasMember, RelationHasMember: RelationMemberOf,
	RelationPartOf: RelationHasPart, RelationHasPart: RelationPartOf,
}

// Well-known annotations.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationSourceLocation          = "backstage.io/source-location"
	AnnotationViewURL                 = "backstage.io/view-url"
	AnnotationEditURL                 = "backstage.io/edit-url"
	AnnotationOrphan                  = "backstage.io/orphan"
	AnnotationTechDocsRef             = "backstage.io/techdocs-ref"
	AnnotationTechDocsEntity          = "backstage.io/techdocs-entity"
	AnnotationSourceTemplate          = "backstage.io/source-template"
)

// StatusTypeProcessing is the status item type of processing errors.
const StatusTypeProcessing = "backstage.io/catalog-processing"
