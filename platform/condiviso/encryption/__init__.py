"""Special-category text encrypted at rest: the key ring (`ring`), the column type and its
ciphertext (`sealed`), re-encryption under the newest key (`rotation`) and `condiviso keys`."""
