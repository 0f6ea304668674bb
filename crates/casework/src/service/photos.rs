//! Survey photos: taken during the home survey by its investigators, read within the case's scope.

use super::*;

impl Casework {
    /// Keeps a survey photo (investigators, while the case is at the survey).
    pub async fn add_photo(&self, user: &User, id: i64, content_type: &str, bytes: &[u8], caption: &str) -> Result<i64> {
        user.trail.action(jiuzhu_domain::Action::Create);
        let case = self.case_in_scope(user, id).await?;
        Self::require(user, user.role == Role::Investigator)?;
        if case.data.state != CaseState::Survey {
            user.trail.refuse(Denial::Conflict);
            return Err(
                FieldError::new("photo", "photo.state", "只能在入户调查阶段上传照片", "photos are taken during the home survey").into()
            );
        }
        // The bytes must be the picture the declared type says: a declared type is only a claim,
        // and a page that shows the photo must never be handed a script.
        if photo_type(bytes) != Some(content_type) {
            user.trail.refuse(Denial::Invalid);
            return Err(
                FieldError::new("photo", "photo.type", "照片须为 JPEG、PNG 或 WebP 格式", "a photo must be JPEG, PNG or WebP").into()
            );
        }
        if bytes.is_empty() || bytes.len() > MAX_PHOTO_BYTES {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new("photo", "photo.size", "照片大小须在 5 MB 以内", "a photo must be at most 5 MB").into());
        }
        let photo = self.cases.insert_photo(id, content_type, bytes, caption.trim(), &user.actor()).await?;
        user.trail.detail(format!("photo={photo}"));
        Ok(photo)
    }

    pub async fn photo_ids(&self, user: &User, id: i64) -> Result<Vec<i64>> {
        self.case_in_scope(user, id).await?;
        Ok(self.cases.case_photo_ids(id).await?)
    }

    pub async fn photo(&self, user: &User, case_id: i64, photo_id: i64) -> Result<Photo> {
        // The case first: another town's is 越权 whether or not the photo exists.
        self.case_in_scope(user, case_id).await?;
        user.trail.detail(format!("photo={photo_id}"));
        match self.cases.photo(photo_id).await? {
            Some(p) if p.case_id == case_id => Ok(p),
            _ => {
                user.trail.refuse(Denial::NotFound);
                Err(CaseworkError::NotFound)
            }
        }
    }
}

/// What a photo's bytes are, by their first bytes: JPEG, PNG or WebP.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_known_by_their_bytes_not_their_declared_type() {
        assert_eq!(photo_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(photo_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(photo_type(b"<script>alert(1)</script>"), None);
        assert_eq!(photo_type(b""), None);
    }
}
