package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseJSON decodes one rule strictly: unknown fields, fields in another case ("ID"),
// fields given twice and anything after the rule are errors (wrapping ErrInvalid). It does
// not validate: the caller assigns what is missing (ID, Origin, Created) and then calls
// Validate with its pools.
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
	// encoding/json matches field names without regard to case and lets a later duplicate
	// win; a rule must say exactly what it means.
	if err := checkKeys(json.NewDecoder(bytes.NewReader(b)), ""); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// jsonFields are the exact keys each object of a rule may have, by its path.
var jsonFields = map[string]map[string]bool{
	"":       {"id": true, "match": true, "action": true, "limit": true, "pool": true, "origin": true, "reason": true, "created": true, "expires": true},
	".match": {"suffix": true, "cidr": true, "qtype": true},
	".limit": {"qps": true, "burst": true, "per": true, "then": true},
}

// checkKeys walks one JSON value (already known to decode) and rejects keys not spelled
// as in jsonFields, and keys given twice.
func checkKeys(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: json: %v", ErrInvalid, err)
	}
	if tok != json.Delim('{') {
		return nil // a scalar or null: the rule has no arrays
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: json: %v", ErrInvalid, err)
		}
		key, _ := kt.(string)
		if !jsonFields[path][key] {
			return fmt.Errorf("%w: json: field %q: unknown (names are lower-case)", ErrInvalid, path+"."+key)
		}
		if seen[key] {
			return fmt.Errorf("%w: json: field %q: given twice", ErrInvalid, path+"."+key)
		}
		seen[key] = true
		if err := checkKeys(dec, path+"."+key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fmt.Errorf("%w: json: %v", ErrInvalid, err)
	}
	return nil
}
