package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseJSON decodes one rule strictly: unknown fields and anything after the rule are
// errors (wrapping ErrInvalid). It does not validate: the caller assigns what is missing
// (ID, Origin, Created) and then calls Validate with its pools.
func ParseJSON(b []byte) (Rule, error) {
	var r Rule
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rule{}, fmt.Errorf("%w: json: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Rule{}, fmt.Errorf("%w: json: data after the rule", ErrInvalid)
	}
	return r, nil
}
