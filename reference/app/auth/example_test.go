package auth_test

import (
	"fmt"
	"time"

	"socketlab/reference/app/auth"
)

func Example() {
	secret := []byte("s3cret")
	token, err := auth.Sign(secret, auth.NewClaims("u-alice", "acme", auth.RoleAdmin, time.Hour))
	if err != nil {
		panic(err)
	}

	claims, err := auth.NewVerifier(secret).Verify(token)
	fmt.Println(claims.UserID, claims.OrganizationID, claims.Role, err)

	_, err = auth.NewVerifier([]byte("another secret")).Verify(token)
	fmt.Println(auth.Message(err))

	_, err = auth.NewVerifier(secret).Verify("")
	fmt.Println(auth.Message(err))
	// Output:
	// u-alice acme admin <nil>
	// Invalid token
	// Authentication required
}
