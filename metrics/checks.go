package metrics

import (
	"context"
	"database/sql"
	"embed"
	"time"

	"sgz/transform"
)

// checks are the data checks of the indicator and stage models
// (metrics/checks/*.sql): each query takes the as-of date as $1 and must
// return no rows.
//
//go:embed checks/*.sql
var checks embed.FS

// Checks runs the staging views' data tests and the model checks as of
// asOf, and returns every result, passed or not (the data-quality page
// shows them; sgz dashboard stops on a failed one).
func Checks(ctx context.Context, db *sql.DB, asOf time.Time) ([]transform.DataTest, error) {
	staging, err := transform.DataTests(ctx, db)
	if err != nil {
		return nil, err
	}
	models, err := transform.RunChecks(ctx, db, checks, "checks", asOf)
	return append(staging, models...), err
}
