//! Survey photos: taken during the home survey by its investigators, read within the case's scope.

use super::*;

impl Casework {
    /// Keeps a survey photo (investigators, while the case is at the survey). What it is comes
    /// from its bytes, never from the name or declared type a phone sends.
    pub async fn add_photo(&self, user: &User, id: i64, bytes: &[u8], caption: &str) -> Result<i64> {
        user.trail.action(jiuzhu_domain::Action::Create);
        self.at_survey(user, id).await?;
        // A page that shows the photo must never be handed a script or a document.
        let Some(content_type) = photo_type(bytes) else {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "photo",
                "photo.type",
                "所选文件不是照片：请拍照或选择 JPEG、PNG、WebP 格式的图片",
                "the file is not a photo: take one, or choose a JPEG, PNG or WebP picture",
            )
            .into());
        };
        if bytes.len() > MAX_PHOTO_BYTES {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "photo",
                "photo.size",
                "照片大小须在 5 MB 以内（网页会自动压缩手机照片；请更新浏览器后重试）",
                "a photo must be at most 5 MB (the page shrinks phone photos itself: update the browser and try again)",
            )
            .into());
        }
        let photo = self.cases.insert_photo(id, content_type, bytes, caption.trim(), &user.actor()).await?;
        user.trail.detail(format!("photo={photo}"));
        Ok(photo)
    }

    /// Removes a photo before the survey is submitted (taken by mistake: the wrong house, an ID
    /// card in view), with the reason; the picture is kept for the audit, no longer shown.
    pub async fn remove_photo(&self, user: &User, id: i64, photo_id: i64, reason: &str) -> Result<()> {
        user.trail.action(jiuzhu_domain::Action::Update);
        self.at_survey(user, id).await?;
        let reason = reason.trim();
        if reason.chars().count() < 2 {
            user.trail.refuse(Denial::Invalid);
            return Err(FieldError::new(
                "reason",
                "required",
                "请写明删除原因（如：拍错了房屋）",
                "say why it is removed (e.g. the wrong house)",
            )
            .into());
        }
        user.trail.detail(format!("photo={photo_id} removed"));
        self.cases.remove_photo(id, photo_id, reason, &user.actor()).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        Ok(())
    }

    /// An investigator's photo work happens only while the case is at the survey.
    async fn at_survey(&self, user: &User, id: i64) -> Result<()> {
        let case = self.case_in_scope(user, id).await?;
        Self::require(user, user.role == Role::Investigator)?;
        if case.data.state != CaseState::Survey {
            user.trail.refuse(Denial::Conflict);
            return Err(FieldError::new(
                "photo",
                "photo.state",
                "只能在入户调查阶段上传或删除照片",
                "photos are taken and removed during the home survey",
            )
            .into());
        }
        Ok(())
    }

    pub async fn photos(&self, user: &User, id: i64) -> Result<Vec<PhotoInfo>> {
        self.case_in_scope(user, id).await?;
        Ok(self.cases.case_photos(id).await?)
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
